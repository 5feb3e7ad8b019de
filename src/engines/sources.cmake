# Engines: the interface, the event-loop engine over libcurl's multi-socket API (one loop, or a
# group of loops on threads of their own) and the thread-pool engine over libcurl's easy API.
target_sources(sluice PRIVATE
  engines/engine.cpp
  engines/curl_transfer.cpp
  engines/easy_options.cpp
  engines/proxy_environment.cpp
  engines/curl_list.cpp
  engines/curl_share.cpp
  engines/resolve_list.cpp
  engines/request_method.cpp
  engines/body_receiver.cpp
  engines/failure_classifier.cpp
  engines/connect_report.cpp
  engines/answer_headers.cpp
  engines/record_builder.cpp
  engines/retry_policy.cpp
  engines/run_limits.cpp
  engines/receiver_slots.cpp
  engines/socket_rtt.cpp
  engines/link_sampler.cpp
  engines/event_loop_engine.cpp
  engines/event_loop_group.cpp
  engines/thread_pool_engine.cpp
  engines/worker_thread.cpp)
