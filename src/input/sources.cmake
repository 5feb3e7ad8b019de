# URL sources: list files, standard input, brace/bracket range expansion (streamed).
target_sources(sluice PRIVATE
  input/input_queue.cpp
  input/line_reader.cpp
  input/range_pattern.cpp
  input/url_check.cpp
  input/source_reader.cpp)
