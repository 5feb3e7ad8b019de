# Results: JSON lines, saved bodies, the run summary and the progress line.
target_sources(sluice PRIVATE
  output/body_file.cpp
  output/body_path.cpp
  output/output_dir.cpp
  output/ideal_schedule.cpp
  output/summary.cpp
  output/results_writer.cpp
  output/run_recorder.cpp
  output/progress_line.cpp
  output/log_histogram.cpp
  output/binding_tally.cpp
  output/binding_meter.cpp
  output/stats_log.cpp)
