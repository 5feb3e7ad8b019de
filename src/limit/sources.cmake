# Flow control: token buckets (bandwidth, --rate), the per-host limiter with the servers'
# own rate limits, the adaptive concurrency limit of -c auto, the receive window budget under
# the bandwidth cap, the link controller of --max-bandwidth auto, and the connect window that
# paces new connections, and the share of a job-wide bandwidth cap a worker follows. Time is
# injected.
target_sources(sluice PRIVATE
  limit/adaptive_limit.cpp
  limit/bandwidth_pacer.cpp
  limit/bandwidth_share.cpp
  limit/connect_window.cpp
  limit/link_controller.cpp
  limit/time_source.cpp
  limit/host_key.cpp
  limit/host_limiter.cpp
  limit/parse_rate.cpp
  limit/rate_limit_headers.cpp
  limit/token_bucket.cpp
  limit/window_budget.cpp)
