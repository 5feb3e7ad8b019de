// The URL list of the bare loops (bare_multi_loop.cpp, bare_socket_loop.cpp): one URL per
// line, empty lines skipped.
#pragma once

#include <fstream>
#include <string>
#include <vector>

inline std::vector<std::string> read_url_list(const char* path) {
  std::vector<std::string> urls;
  std::ifstream list(path);
  for (std::string line; std::getline(list, line);) {
    if (!line.empty()) urls.push_back(line);
  }
  return urls;
}
