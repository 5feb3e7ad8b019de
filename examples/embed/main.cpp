// Fetches the URLs given as arguments with the sluice library and prints one line per record;
// exits 1 when one of them failed. Built against an installed sluice (see CMakeLists.txt), and
// in the tree as example_embed; docs/library.md shows and explains it.
#include <cstdio>
#include <sluice/sluice.hpp>

int main(int argc, char** argv) {
  sluice::Options options;
  options.concurrency = 20;
  options.body_in_memory = 1 << 20;  // each body in record.body, up to 1 MiB
  int failed = 0;  // the default engine calls back from one thread: no lock needed
  sluice::Run run(options, [&](sluice::Record&& record) {
    std::printf("%s %zu bytes %d %s\n", record.url.c_str(), record.body ? record.body->size() : 0,
                record.status.value_or(0), record.ok ? "ok" : "failed");
    failed += record.ok ? 0 : 1;
  });
  for (int i = 1; i < argc; ++i) run.push(argv[i]);
  run.close();
  run.wait();
  return failed == 0 ? 0 : 1;
}
