# Watch mode: an INBOX watcher, list files as jobs sharing one engine run, OUTBOX results.
target_sources(sluice PRIVATE
  watch/inbox_watcher.cpp
  watch/job_folders.cpp
  watch/job_scheduler.cpp
  watch/status_line.cpp
  watch/watch_job.cpp
  watch/watch_run.cpp)
