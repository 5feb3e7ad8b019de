# Admission: what may start now (new URLs, retries, per-host caps and pauses, --rate, -c and
# -c auto), asked by both engines.
target_sources(sluice PRIVATE
  admission/admission.cpp
  admission/concurrency_limit.cpp)
