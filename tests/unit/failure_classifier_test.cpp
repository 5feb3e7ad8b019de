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
  EXPECT_EQ(classify(CURLE_TOO_MANY_REDIRECTS), ErrorKind::Protocol);
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

TEST(DescribeFailureTest, ARedirectTargetLibcurlCannotParseIsARefusedScheme) {
  const TransferFailure data{.result = CURLE_UNSUPPORTED_PROTOCOL,
                             .curl_message =
                                 "The redirect target URL could not be parsed: "
                                 "Unsupported URL scheme",
                             .ended_on = "http://host/redirect",
                             .status = 302,
                             .location = "data:text/plain,hello"};
  EXPECT_EQ(describe_failure(data).kind, ErrorKind::UnsupportedScheme);
  EXPECT_EQ(describe_failure(data).message, data.curl_message);
  EXPECT_EQ(unparsed_redirect_target(data), "data:text/plain,hello");
  TransferFailure websocket = data;
  websocket.location = "WS://host/socket";
  EXPECT_EQ(describe_failure(websocket).kind, ErrorKind::UnsupportedScheme);
  // A malformed status line after a redirect to http: the stale 302 and its Location do not
  // make it a refused scheme.
  for (const std::string_view location : {"http://host/next", "HTTPS://host/", "/next", ""}) {
    TransferFailure status_line = data;
    status_line.location = location;
    EXPECT_EQ(describe_failure(status_line).kind, ErrorKind::Protocol) << location;
    EXPECT_FALSE(unparsed_redirect_target(status_line)) << location;
  }
  TransferFailure not_a_redirect = data;
  not_a_redirect.status = 200;
  EXPECT_EQ(describe_failure(not_a_redirect).kind, ErrorKind::Protocol);
  // ftp: parses, and the transfer moved there: the URL it ended on says so already.
  EXPECT_FALSE(unparsed_redirect_target({.result = CURLE_UNSUPPORTED_PROTOCOL,
                                         .ended_on = "ftp://host/file",
                                         .status = 302,
                                         .location = "ftp://host/file"}));
}

TEST(DescribeFailureTest, AHeaderLineTooLongForLibcurlIsAProtocolError) {
  const FetchError line =
      describe_failure({.result = CURLE_OUT_OF_MEMORY, .status = 200, .answer_started = true});
  EXPECT_EQ(line.kind, ErrorKind::Protocol);
  EXPECT_EQ(line.message, "a line of the answer's header is longer than libcurl takes (100 KiB)");
  // Before any answer, a failed allocation is just that.
  EXPECT_EQ(describe_failure({.result = CURLE_OUT_OF_MEMORY}).kind, ErrorKind::Other);
}

TEST(DescribeFailureTest, AHeaderTooLargeForLibcurlIsAProtocolErrorNotABrokenConnection) {
  const FetchError headers =
      describe_failure({.result = CURLE_RECV_ERROR,
                        .curl_message = "Too large response headers: 307223 > 307200",
                        .status = 100,
                        .answer_started = true});
  EXPECT_EQ(headers.kind, ErrorKind::Protocol);
  EXPECT_EQ(headers.message, "Too large response headers: 307223 > 307200");
  const FetchError reset = describe_failure(
      {.result = CURLE_RECV_ERROR, .curl_message = "Recv failure: Connection reset by peer"});
  EXPECT_EQ(reset.kind, ErrorKind::Network);
}

TEST(AnswerErrorTest, ARedirectToFollowWithoutLocationIsAProtocolError) {
  for (const long status : {301L, 302L, 303L, 307L, 308L}) {
    const auto error = answer_error(status, true, false);
    ASSERT_TRUE(error) << status;
    EXPECT_EQ(error->kind, ErrorKind::Protocol);
    EXPECT_EQ(error->message,
              "a " + std::to_string(status) + " redirect without a Location header");
    // Not following redirects, the 3xx is the answer.
    EXPECT_FALSE(answer_error(status, false, false)) << status;
  }
  // 300 and 304 need no Location; a 2xx never does.
  EXPECT_FALSE(answer_error(300, true, false));
  EXPECT_FALSE(answer_error(304, true, false));
  EXPECT_FALSE(answer_error(200, true, false));
  EXPECT_EQ(answer_error(404, true, false)->kind, ErrorKind::Http);
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
  trail.note_request(0);  // the first request, no error yet
  EXPECT_TRUE(trail.resent_after().empty());
  std::strcpy(trail.buffer(), "first");
  EXPECT_EQ(trail.message(), "first");
  trail.note_request(0);
  std::strcpy(trail.buffer(), "second");
  trail.note_request(0);
  EXPECT_EQ(trail.resent_after(), "first");
  // The buffer tells of an error libcurl went on past, not of how the transfer ended.
  EXPECT_TRUE(trail.message().empty());
}

TEST(ErrorTrailTest, AFailureBeforeARedirectIsNotTheNextRequestsToName) {
  ErrorTrail trail;
  trail.note_request(0);
  std::strcpy(trail.buffer(), "Recv failure: Connection reset by peer");
  trail.note_request(0);  // sent again
  EXPECT_EQ(trail.resent_after(), "Recv failure: Connection reset by peer");
  trail.note_request(1);  // the redirect's request
  trail.note_request(2);
  EXPECT_TRUE(trail.resent_after().empty());
  // libcurl keeps the first message, so the buffer does not tell how the transfer ended.
  EXPECT_TRUE(trail.message().empty());
}

TEST(ErrorTrailTest, AFailureAfterARedirectIsNamedForItsOwnRequest) {
  ErrorTrail trail;
  trail.note_request(0);
  trail.note_request(1);
  std::strcpy(trail.buffer(), "Recv failure: Connection reset by peer");
  trail.note_request(1);
  EXPECT_EQ(trail.resent_after(), "Recv failure: Connection reset by peer");
}

TEST(ErrorTrailTest, WatchingAHandleClearsTheTrail) {
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  ErrorTrail trail;
  std::strcpy(trail.buffer(), "old");
  trail.note_request(0);
  trail.watch(easy);
  EXPECT_TRUE(trail.message().empty());
  EXPECT_TRUE(trail.resent_after().empty());
  curl_easy_cleanup(easy);
}

TEST(ErrorTrailTest, TellsARequestSentAgainFromOneAfterARedirect) {
  ErrorTrail trail;
  trail.note_request(0);
  trail.note_request(1);
  EXPECT_FALSE(trail.resent());
  trail.note_request(1);
  EXPECT_TRUE(trail.resent());
  trail.clear();
  EXPECT_FALSE(trail.resent());
  trail.note_request(0);
  EXPECT_FALSE(trail.resent());
}

TEST(HttpErrorTest, NamesTheStatus) {
  const FetchError error = http_error(404);
  EXPECT_EQ(error.kind, ErrorKind::Http);
  EXPECT_EQ(error.message, "HTTP status 404");
}

}  // namespace
}  // namespace sluice
