# URL sources: list files, standard input, brace/bracket range expansion (streamed), and the
# --resume index of URLs an earlier run already finished.
target_sources(sluice PRIVATE
  input/input_item.cpp
  input/input_queue.cpp
  input/line_reader.cpp
  input/pruned_copy.cpp
  input/range_pattern.cpp
  input/request_line.cpp
  input/resume_index.cpp
  input/url_check.cpp
  input/source_reader.cpp)
