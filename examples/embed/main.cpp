// Fetches the URLs given as arguments with the sluice library and prints one line per record;
// exits 1 when one of them failed. Built against an installed sluice (see CMakeLists.txt).
#include <cstdio>
#include <sluice/fetcher.hpp>
#include <string>
#include <vector>

// The default engine delivers records from one thread, so the count needs no lock.
class PrintingSink : public sluice::RecordSink {
 public:
  void on_record(sluice::Record&& record) override {
    std::printf("%s %d %s\n", record.url.c_str(), record.status.value_or(0),
                record.ok ? "ok" : "failed");
    failed_ += record.ok ? 0 : 1;
  }
  int failed() const { return failed_; }

 private:
  int failed_ = 0;
};

int main(int argc, char** argv) {
  PrintingSink sink;
  sluice::fetch(sluice::Options{}, std::vector<std::string>(argv + 1, argv + argc), sink);
  return sink.failed() == 0 ? 0 : 1;
}
