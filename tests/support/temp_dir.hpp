// A fresh directory under /tmp for one test, removed with everything in it at scope end.
#pragma once

#include <filesystem>
#include <string>

namespace sluice::test {

// Not thread-safe; owns the directory for its lifetime.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const noexcept { return path_; }
  // Writes `content` to a file named `name` in the directory and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);

}  // namespace sluice::test
