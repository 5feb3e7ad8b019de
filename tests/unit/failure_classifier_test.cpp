// The error kinds and messages of failed transfers: libcurl codes, the limits that ended a
// transfer, the scheme-versus-status-line quirk, and the note of a re-sent request.
#include "engines/failure_classifier.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

TEST(ClassifyTest, MapsLibcurlCodesToStableKinds) {
  EXPECT_EQ(classify(CURLE_COULDNT_RESOLVE_HOST), ErrorKind::Dns);
  EXPECT_EQ(classify(CURLE_COULDNT_CONNECT), ErrorKind::Connect);
  EXPECT_EQ(classify(CURLE_OPERATION_TIMEDOUT), ErrorKind::Timeout);
  EXPECT_EQ(classify(CURLE_PEER_FAILED_VERIFICATION), ErrorKind::Tls);
  EXPECT_EQ(classify(CURLE_SSL_CONNECT_ERROR), ErrorKind::Tls);
  EXPECT_EQ(classify(CURLE_UNSUPPORTED_PROTOCOL), ErrorKind::UnsupportedScheme);
  EXPECT_EQ(classify(CURLE_RECV_ERROR), ErrorKind::Network);
  EXPECT_EQ(classify(CURLE_PARTIAL_FILE), ErrorKind::Network);
  EXPECT_EQ(classify(CURLE_WEIRD_SERVER_REPLY), ErrorKind::Protocol);
  EXPECT_EQ(classify(CURLE_FILESIZE_EXCEEDED), ErrorKind::TooLarge);
  EXPECT_EQ(classify(CURLE_WRITE_ERROR), ErrorKind::Io);
  EXPECT_EQ(classify(CURLE_OUT_OF_MEMORY), ErrorKind::Other);
}

TEST(ErrorKindTest, NamesAreTheStableOutputStrings) {
  EXPECT_EQ(to_string(ErrorKind::InvalidUrl), "invalid_url");
  EXPECT_EQ(to_string(ErrorKind::UnsupportedScheme), "unsupported_scheme");
  EXPECT_EQ(to_string(ErrorKind::TooLarge), "too_large");
  EXPECT_EQ(to_string(ErrorKind::Http), "http");
}

TEST(DescribeFailureTest, UsesLibcurlsMessageAndFallsBackToItsCodeText) {
  const FetchError said = describe_failure(
      {.result = CURLE_COULDNT_CONNECT, .curl_message = "Failed to connect to x port 1"});
  EXPECT_EQ(said.kind, ErrorKind::Connect);
  EXPECT_EQ(said.message, "Failed to connect to x port 1");
  const FetchError unsaid = describe_failure({.result = CURLE_COULDNT_RESOLVE_HOST});
  EXPECT_EQ(unsaid.kind, ErrorKind::Dns);
  EXPECT_EQ(unsaid.message, curl_easy_strerror(CURLE_COULDNT_RESOLVE_HOST));
}

TEST(DescribeFailureTest, ABodyCutOffOrRefusedByLengthIsTooLarge) {
  const FetchError cut =
      describe_failure({.result = CURLE_WRITE_ERROR, .too_large = true, .max_body = 1000});
  EXPECT_EQ(cut.kind, ErrorKind::TooLarge);
  EXPECT_EQ(cut.message, "the body is larger than the maximum body size (1000 bytes)");
  const FetchError refused = describe_failure({.result = CURLE_FILESIZE_EXCEEDED, .max_body = 5});
  EXPECT_EQ(refused.kind, ErrorKind::TooLarge);
  EXPECT_EQ(refused.message, "the body is larger than the maximum body size (5 bytes)");
}

TEST(DescribeFailureTest, AFailedSaveIsAnIoErrorWithItsReason) {
  const FetchError error = describe_failure(
      {.result = CURLE_WRITE_ERROR, .curl_message = "Failure writing", .save_error = "disk full"});
  EXPECT_EQ(error.kind, ErrorKind::Io);
  EXPECT_EQ(error.message, "disk full");
}

TEST(DescribeFailureTest, TheUrlEndedOnTellsARefusedSchemeFromABadStatusLine) {
  const FetchError scheme =
      describe_failure({.result = CURLE_UNSUPPORTED_PROTOCOL, .ended_on = "ftp://host/file"});
  EXPECT_EQ(scheme.kind, ErrorKind::UnsupportedScheme);
  EXPECT_EQ(scheme.message, "a redirect to a scheme other than http and https");
  const FetchError status_line =
      describe_failure({.result = CURLE_UNSUPPORTED_PROTOCOL, .ended_on = "http://host/x"});
  EXPECT_EQ(status_line.kind, ErrorKind::Protocol);
  EXPECT_EQ(status_line.message, "the answer's status line is not HTTP");
  const FetchError said = describe_failure({.result = CURLE_UNSUPPORTED_PROTOCOL,
                                            .curl_message = "Unsupported HTTP version",
                                            .ended_on = "https://host/x"});
  EXPECT_EQ(said.kind, ErrorKind::Protocol);
  EXPECT_EQ(said.message, "Unsupported HTTP version");
}

TEST(DescribeFailureTest, TheLowSpeedLimitIsNamedAsAStallInWholeSeconds) {
  const FetchError stall =
      describe_failure({.result = CURLE_OPERATION_TIMEDOUT,
                        .curl_message = "Operation too slow. Less than 1 bytes/sec transferred",
                        .stall_timeout = 1500ms});
  EXPECT_EQ(stall.kind, ErrorKind::Timeout);
  EXPECT_EQ(stall.message, "no data for 2 s (the stall timeout)");
  const FetchError timeout = describe_failure(
      {.result = CURLE_OPERATION_TIMEDOUT, .curl_message = "Operation timed out after 100 ms"});
  EXPECT_EQ(timeout.message, "Operation timed out after 100 ms");
}

TEST(DescribeFailureTest, AReSentRequestNamesTheEarlierFailureNotItsMessage) {
  const FetchError error = describe_failure({.result = CURLE_GOT_NOTHING,
                                             .curl_message = "Connection died, retrying",
                                             .resent_after = "Connection died, retrying"});
  EXPECT_EQ(error.kind, ErrorKind::Network);
  EXPECT_EQ(error.message,
            std::string(curl_easy_strerror(CURLE_GOT_NOTHING)) +
                " (after an earlier failure in this transfer: Connection died, retrying)");
}

TEST(ErrorTrailTest, KeepsTheFirstErrorARequestWentOnPast) {
  ErrorTrail trail;
  trail.note_request();  // the first request, no error yet
  EXPECT_TRUE(trail.resent_after().empty());
  std::strcpy(trail.buffer(), "first");
  trail.note_request();
  std::strcpy(trail.buffer(), "second");
  trail.note_request();
  EXPECT_EQ(trail.resent_after(), "first");
  EXPECT_EQ(trail.message(), "second");
}

TEST(ErrorTrailTest, WatchingAHandleClearsTheTrail) {
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  ErrorTrail trail;
  std::strcpy(trail.buffer(), "old");
  trail.note_request();
  trail.watch(easy);
  EXPECT_TRUE(trail.message().empty());
  EXPECT_TRUE(trail.resent_after().empty());
  curl_easy_cleanup(easy);
}

TEST(HttpErrorTest, NamesTheStatus) {
  const FetchError error = http_error(404);
  EXPECT_EQ(error.kind, ErrorKind::Http);
  EXPECT_EQ(error.message, "HTTP status 404");
}

}  // namespace
}  // namespace sluice
