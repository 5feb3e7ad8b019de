// Tests for SourceReader: source kinds and numbering, line rules, errors as items, streaming.
#include "input/source_reader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "sluice/errors.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;

using namespace std::string_literals;

using Strings = std::vector<std::string>;

// Reads everything, or at most `limit` items (the callback then stops the reader).
std::vector<InputItem> read_items(SourceReader& reader, std::size_t limit = 100'000) {
  std::vector<InputItem> items;
  reader.read_all([&](InputItem&& item) {
    items.push_back(std::move(item));
    return items.size() < limit;
  });
  return items;
}

std::vector<InputItem> read_sources(Strings sources, SourceLimits limits = {}) {
  SourceReader reader(std::move(sources), limits);
  return read_items(reader);
}

Strings urls(const std::vector<InputItem>& items) {
  Strings out;
  for (const auto& item : items) out.push_back(item.url);
  return out;
}

Strings origins(const std::vector<InputItem>& items) {
  Strings out;
  for (const auto& item : items) out.push_back(item.source);
  return out;
}

std::string error_message(const InputItem& item) {
  EXPECT_TRUE(item.error.has_value()) << item.url << " has no error";
  EXPECT_TRUE(item.fetch_url.empty());
  return item.error ? item.error->message : std::string();
}

// Standard input for the reader: a file's descriptor, closed at scope end.
class FakeStdin {
 public:
  FakeStdin(const test::TempDir& dir, const std::string& content)
      : fd_(::open(dir.write("stdin.txt", content).c_str(), O_RDONLY | O_CLOEXEC)) {}
  FakeStdin(const FakeStdin&) = delete;
  FakeStdin& operator=(const FakeStdin&) = delete;
  ~FakeStdin() { ::close(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_;
};

TEST(SourceReaderTest, ReadsArgumentsFilesAndStdinInOrder) {
  test::TempDir dir;
  const auto list = dir.write("urls.txt", "http://b.example/\nc.example\n").string();
  FakeStdin input(dir, "http://d.example/\n");
  SourceReader reader({"http://a.example/", "@" + list, "-", "e.example/{1,2}"}, {}, input.fd());
  const auto items = read_items(reader);
  EXPECT_EQ(urls(items), (Strings{"http://a.example/", "http://b.example/", "c.example",
                                  "http://d.example/", "e.example/1", "e.example/2"}));
  EXPECT_EQ(origins(items), (Strings{"arg:1", list + ":1", list + ":2", "-:1", "arg:4", "arg:4"}));
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].index, i);
    EXPECT_FALSE(items[i].error.has_value()) << items[i].url;
  }
  EXPECT_EQ(items[2].fetch_url, "http://c.example");
  EXPECT_EQ(items[0].fetch_url, "http://a.example/");
}

TEST(SourceReaderTest, SkipsBlankAndCommentLinesAndTrims) {
  test::TempDir dir;
  const auto list = dir.write("l.txt",
                              "# header\r\n"
                              "\r\n"
                              "   \t \n"
                              "  http://a.example/ \t\r\n"
                              "\t# indented comment\n"
                              "http://b.example/#fragment\n"
                              "http://c.example/")
                        .string();
  const auto items = read_sources({"@" + list});
  EXPECT_EQ(urls(items),
            (Strings{"http://a.example/", "http://b.example/#fragment", "http://c.example/"}));
  EXPECT_EQ(origins(items), (Strings{list + ":4", list + ":6", list + ":7"}));
}

// A byte order mark is skipped at the start of a list or standard input, and only there.
TEST(SourceReaderTest, SkipsAByteOrderMarkAtTheStart) {
  test::TempDir dir;
  const std::string mark = "\xEF\xBB\xBF";
  const auto list =
      dir.write("l.txt", mark + "http://a.example/\n" + mark + "http://b/\n").string();
  const auto comment = dir.write("c.txt", mark + "# comment\nhttp://c.example/\n").string();
  FakeStdin input(dir, mark + "http://d.example/\n");
  SourceReader reader({"@" + list, "@" + comment, "-"}, {}, input.fd());
  const auto items = read_items(reader);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].url, "http://a.example/");
  EXPECT_FALSE(items[0].error.has_value());
  EXPECT_EQ(items[1].url, mark + "http://b/");
  EXPECT_EQ(items[2].url, "http://c.example/");
  EXPECT_EQ(items[2].source, comment + ":2");
  EXPECT_EQ(items[3].url, "http://d.example/");
  EXPECT_FALSE(items[3].error.has_value());
}

TEST(SourceReaderTest, ExpandsRangesInLines) {
  test::TempDir dir;
  const auto list = dir.write("l.txt", "h/{a,b}\nh/[1-3]\n").string();
  const auto items = read_sources({"@" + list});
  EXPECT_EQ(urls(items), (Strings{"h/a", "h/b", "h/1", "h/2", "h/3"}));
  EXPECT_EQ(items[4].source, list + ":2");
  EXPECT_EQ(items[4].fetch_url, "http://h/3");
}

TEST(SourceReaderTest, BadLinesBecomeOneErrorItemEach) {
  test::TempDir dir;
  const std::string huge = "http://h/" + std::string(1 << 20, 'x');
  const auto list = dir.write("l.txt",
                              "http://h/pa{th\n" +                     // 1: bad pattern
                                  std::string("http://h/\0x\n", 12) +  // 2: NUL byte
                                  huge + "\n" +                        // 3: over-long
                                  "http://h/{1..20000000}\n"           // 4: too large
                                  "ftp://h/\n"                         // 5: scheme
                                  "http://h/a b\n"                     // 6: space inside
                                  "http://h/\xff\n"                    // 7: not UTF-8
                                  "http://ok.example/\n")              // 8: still read
                        .string();
  const auto items = read_sources({"@" + list});
  ASSERT_EQ(items.size(), 8u);
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].source, list + ":" + std::to_string(i + 1));
    EXPECT_EQ(items[i].index, i);
  }
  EXPECT_EQ(error_message(items[0]), "unmatched '{' at column 12");
  EXPECT_EQ(items[0].url, "http://h/pa{th");
  EXPECT_EQ(error_message(items[1]), "line contains a NUL byte");
  EXPECT_EQ(error_message(items[2]), "line is longer than 65536 bytes");
  EXPECT_EQ(items[2].url, huge.substr(0, 256));
  EXPECT_EQ(error_message(items[3]),
            "range expands to 20000000 URLs, more than the maximum expansion (10000000)");
  EXPECT_EQ(items[4].error->kind, ErrorKind::UnsupportedScheme);
  EXPECT_EQ(items[5].error->kind, ErrorKind::InvalidUrl);
  EXPECT_EQ(items[6].error->kind, ErrorKind::InvalidUrl);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(items[i].error->kind, ErrorKind::InvalidUrl);
  EXPECT_FALSE(items[7].error.has_value());
}

TEST(SourceReaderTest, BadLinesOnStandardInputNameTheirLine) {
  test::TempDir dir;
  FakeStdin input(dir,
                  "http://h/\0x\n"s +                     // 1: NUL byte
                      "http://h/\xc3\x28\n" +             // 2: not UTF-8
                      std::string(1 << 20, 'x') + "\n" +  // 3: over-long
                      "http://h/{1..101}\n" +             // 4: too large
                      "http://\n" +                       // 5: no host
                      std::string(60'000, ' ') + "\n" +   // 6: blank, skipped
                      "http://ok.example/");              // 7: still read
  SourceReader reader({"-"}, SourceLimits{.max_expansion = 100}, input.fd());
  const auto items = read_items(reader);
  ASSERT_EQ(items.size(), 6u);
  EXPECT_EQ(origins(items), (Strings{"-:1", "-:2", "-:3", "-:4", "-:5", "-:7"}));
  EXPECT_EQ(error_message(items[0]), "line contains a NUL byte");
  EXPECT_EQ(error_message(items[1]), "URL contains bytes that are not UTF-8 at column 10");
  EXPECT_EQ(error_message(items[2]), "line is longer than 65536 bytes");
  EXPECT_EQ(error_message(items[3]),
            "range expands to 101 URLs, more than the maximum expansion (100)");
  EXPECT_EQ(error_message(items[4]), "invalid URL: No host part in the URL");
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(items[i].error->kind, ErrorKind::InvalidUrl);
  EXPECT_EQ(items[5].fetch_url, "http://ok.example/");
}

TEST(SourceReaderTest, OverlongBlankLineIsAnErrorNotSkipped) {
  // Only the start of an over-long line is kept, and a blank start does not make a blank
  // line (a URL may follow it), so the line is reported rather than silently dropped.
  test::TempDir dir;
  const auto list = dir.write("l.txt", std::string(1 << 20, ' ') + "\n" + std::string(300, ' ') +
                                           "# x" + std::string(70'000, 'x') + "\nhttp://a/\n")
                        .string();
  const auto items = read_sources({"@" + list});
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].url, "");
  EXPECT_EQ(error_message(items[0]), "line is longer than 65536 bytes");
  // The same holds for a comment whose '#' lies beyond the kept start.
  EXPECT_EQ(items[1].url, "");
  EXPECT_EQ(error_message(items[1]), "line is longer than 65536 bytes");
  EXPECT_EQ(origins(items), (Strings{list + ":1", list + ":2", list + ":3"}));
}

TEST(SourceReaderTest, InvalidExpansionsAreItemsToo) {
  const auto items = read_sources({"{http://ok.example/,ftp://x/,http://}"});
  ASSERT_EQ(items.size(), 3u);
  EXPECT_FALSE(items[0].error.has_value());
  EXPECT_EQ(items[1].error->kind, ErrorKind::UnsupportedScheme);
  EXPECT_EQ(items[2].error->kind, ErrorKind::InvalidUrl);
  EXPECT_EQ(origins(items), (Strings{"arg:1", "arg:1", "arg:1"}));
}

TEST(SourceReaderTest, ArgumentsAreNotTrimmedOrSkipped) {
  const auto items = read_sources({"", " http://a/", "#x"});
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(error_message(items[0]), "empty URL");
  EXPECT_EQ(error_message(items[1]), "URL contains whitespace at column 1");
  EXPECT_EQ(items[2].url, "#x");
  EXPECT_EQ(error_message(items[2]), "invalid URL: No host part in the URL");
}

TEST(SourceReaderTest, ExpansionLimitIsConfigurable) {
  const auto items = read_sources({"h/{1..3}{a,b}"}, SourceLimits{.max_expansion = 5});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(error_message(items[0]),
            "range expands to 6 URLs, more than the maximum expansion (5)");
  EXPECT_EQ(read_sources({"h/{1..3}{a,b}"}, SourceLimits{.max_expansion = 6}).size(), 6u);
  EXPECT_NE(error_message(read_sources({"{0..18446744073709551615}"})[0]).find(" or more URLs"),
            std::string::npos);
}

TEST(SourceReaderTest, LineLimitIsConfigurable) {
  test::TempDir dir;
  const auto list = dir.write("l.txt", "http://a/\nhttp://abcdef/\n").string();
  const auto items = read_sources({"@" + list}, SourceLimits{.max_line_bytes = 10});
  ASSERT_EQ(items.size(), 2u);
  EXPECT_FALSE(items[0].error.has_value());
  EXPECT_EQ(error_message(items[1]), "line is longer than 10 bytes");
}

TEST(SourceReaderTest, HugeRangeStreamsAndStopsWhenEmitSaysSo) {
  SourceReader reader({"http://h/{1..10000000000}"}, SourceLimits{.max_expansion = 20'000'000'000});
  const auto items = read_items(reader, 10);
  ASSERT_EQ(items.size(), 10u);
  EXPECT_EQ(items.front().url, "http://h/1");
  EXPECT_EQ(items.back().url, "http://h/10");
  EXPECT_EQ(items.back().index, 9u);
}

TEST(SourceReaderTest, StopsAcrossSources) {
  test::TempDir dir;
  const auto list = dir.write("l.txt", "a\nb\nc\n").string();
  SourceReader reader({"@" + list, "d"}, {});
  EXPECT_EQ(urls(read_items(reader, 2)), (Strings{"a", "b"}));
}

TEST(SourceReaderTest, ReadErrorBecomesAnItemAndNextSourceFollows) {
  test::TempDir dir;
  const int directory = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(directory, 0);
  SourceReader reader({"-", "http://after.example/"}, {}, directory);
  const auto items = read_items(reader);
  ::close(directory);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].source, "-:1");
  EXPECT_EQ(error_message(items[0]), "cannot read '-': read failed: Is a directory");
  EXPECT_EQ(items[1].url, "http://after.example/");
}

TEST(SourceReaderTest, LiteralUrlsAreTakenAsGiven) {
  SourceReader reader =
      SourceReader::literal({"http://h/{1,2}", "@list", "-", "", "http://h/[1-2]"});
  const auto items = read_items(reader);
  EXPECT_EQ(urls(items), (Strings{"http://h/{1,2}", "@list", "-", "", "http://h/[1-2]"}));
  EXPECT_EQ(origins(items), (Strings{"arg:1", "arg:2", "arg:3", "arg:4", "arg:5"}));
  EXPECT_EQ(items[0].fetch_url, "http://h/{1,2}");
  EXPECT_EQ(error_message(items[3]).empty(), false);
  SourceReader none = SourceReader::literal({});
  EXPECT_TRUE(read_items(none).empty());
}

TEST(SourceReaderTest, RejectsMisconfiguration) {
  test::TempDir dir;
  const auto missing = (dir.path() / "urls.txt").string();
  try {
    SourceReader reader({"http://a/", "@" + missing}, {});
    ADD_FAILURE() << "no UsageError for a missing list file";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot read list file '" + missing + "': No such file or directory");
  }
  EXPECT_THROW(SourceReader({"@" + dir.path().string()}, {}), UsageError);
  EXPECT_THROW(SourceReader({"@"}, {}), UsageError);
  EXPECT_THROW(SourceReader({"-", "a", "-"}, {}), UsageError);
  try {
    SourceReader reader({}, {});
    ADD_FAILURE() << "no UsageError for no sources";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()), "no URLs given (pass URLs, @FILE or -)");
  }
}

TEST(SourceReaderTest, AFileGivenAsAUrlAsksWhetherAnAtWasMeant) {
  test::TempDir dir;
  const auto list = dir.write("urls.txt", "http://a/\n").string();
  try {
    SourceReader reader({"http://a/", list}, {});
    ADD_FAILURE() << "no UsageError for a file given as a URL";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              "arg:2: '" + list + "' is a file, not a URL: did you mean @" + list + "?");
  }
  // A directory is no list, and a URL with a scheme is taken as one.
  EXPECT_NO_THROW(SourceReader({dir.path().string()}, {}));
  EXPECT_NO_THROW(SourceReader({"http://" + list}, {}));
}

// /proc/self/mem opens, even for root, but reading its offset 0 (never mapped) fails: that
// is found before the run, like a file that does not open, and the descriptor is closed.
TEST(SourceReaderTest, AListFileWhoseFirstReadFailsIsRefusedAtOnce) {
  const int before = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(before, 0);
  ::close(before);
  try {
    SourceReader reader({"http://a/", "@/proc/self/mem"}, {});
    ADD_FAILURE() << "no UsageError for a list file that cannot be read";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot read list file '/proc/self/mem': Input/output error");
  }
  const int after = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(after);
  EXPECT_EQ(after, before);
}

TEST(SourceReaderTest, ClosesListFilesItOpened) {
  test::TempDir dir;
  const auto list = dir.write("l.txt", "a\n").string();
  // The lowest free descriptor number is the same before and after only if none leaked.
  const int before = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(before, 0);
  ::close(before);
  {
    SourceReader reader({"@" + list, "@" + list}, {});
    SourceReader moved(std::move(reader));
    EXPECT_EQ(urls(read_items(moved)), (Strings{"a", "a"}));
  }
  const int after = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(after);
  EXPECT_EQ(after, before);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

using namespace detail;

TEST(SourceReaderTest, GlobOffTakesBracesAndBracketsLiterally) {
  test::TempDir dir;
  const auto list = dir.write("l.txt", "h/{a,b}[1-2]\n").string();
  const auto items = read_sources({"h/{x,y}", "@" + list}, SourceLimits{.globoff = true});
  EXPECT_EQ(urls(items), (Strings{"h/{x,y}", "h/{a,b}[1-2]"}));
}

TEST(SourceReaderTest, AJsonlListHoldsOneRequestPerLine) {
  test::TempDir dir;
  const auto list = dir.write("r.jsonl",
                              "{\"url\":\"h/{a,b}\",\"id\":\"x\",\"method\":\"PUT\","
                              "\"headers\":{\"A\":\"1\"},\"body\":\"b\",\"out\":\"o/f\"}\n"
                              "# a comment\n\n"
                              "{\"url\":\"h/2\"}\n")
                        .string();
  const auto items = read_sources({"@" + list});
  ASSERT_EQ(items.size(), 2u);
  // No ranges in a request line.
  EXPECT_EQ(items[0].fetch_url, "http://h/{a,b}");
  EXPECT_EQ(items[0].request->id, "x");
  EXPECT_EQ(items[0].request->method, "PUT");
  EXPECT_EQ(items[0].request->headers, (Strings{"A: 1"}));
  EXPECT_EQ(items[0].request->body, "b");
  EXPECT_EQ(items[0].request->out, "o/f");
  EXPECT_EQ(items[1].source, list + ":4");
  EXPECT_TRUE(items[1].request->id.empty());
}

TEST(SourceReaderTest, InputFormatDecidesWhichListsHoldRequests) {
  test::TempDir dir;
  const auto urls_list = dir.write("u.txt", "{\"url\":\"h/1\"}\n").string();
  const auto jsonl = dir.write("r.jsonl", "h/2\n").string();
  // Auto: by the name. A request line in a URL list and a URL in a request list both fail.
  auto items = read_sources({"@" + urls_list, "@" + jsonl});
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(items[0].error.has_value());
  EXPECT_EQ(error_message(items[1]), jsonl + ":1: not valid JSON");

  items = read_sources({"@" + urls_list}, SourceLimits{.format = InputFormat::Jsonl});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].fetch_url, "http://h/1");
  items = read_sources({"@" + jsonl}, SourceLimits{.format = InputFormat::Lines});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].fetch_url, "http://h/2");
}

TEST(SourceReaderTest, ABadRequestLineNamesItsLineAndFieldButShowsOnlyItsUrl) {
  test::TempDir dir;
  const auto list =
      dir.write("r.jsonl", "{\"url\":\"h/1\",\"headers\":{\"Authorization\":5},\"body\":\"pw\"}\n")
          .string();
  const auto items = read_sources({"@" + list});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].url, "h/1");
  EXPECT_EQ(items[0].source, list + ":1");
  EXPECT_EQ(error_message(items[0]),
            list + ":1: \"headers\": the value of 'Authorization' must be a string or null");
}

}  // namespace
}  // namespace sluice
