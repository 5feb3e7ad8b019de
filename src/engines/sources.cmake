# Engines: the interface and the event-loop engine over libcurl's multi-socket API.
target_sources(sluice PRIVATE
  engines/engine.cpp
  engines/curl_transfer.cpp
  engines/event_loop_engine.cpp)
