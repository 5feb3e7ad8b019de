// How a test-server session delivers the fault modes that are more than a changed header:
// resets, a malformed status line, a huge header line, endless bodies and 1xx answers, and a
// stall that waits for the peer.
#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <charconv>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "server/fault_request.hpp"
#include "server/session.hpp"

namespace sluice::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// A status line that starts like HTTP/1.1 but has no status code, and a header that says
// the connection closes, so the peer has nothing to wait for.
constexpr std::string_view kBadStatus =
    "HTTP/1.1 twohundred OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

// A 200 answer whose one header line X-Huge holds 10 MiB, a hundred times what libcurl takes
// in a line; it closes the connection, so a client that takes it all has nothing to wait for.
constexpr std::string_view kHugeLineStart = "HTTP/1.1 200 OK\r\nX-Huge: ";
constexpr std::string_view kHugeLineEnd = "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
constexpr std::size_t kHugeLineBytes = std::size_t{10} << 20U;
constexpr std::size_t kHugeLinePieceBytes = std::size_t{64} << 10U;

// One write of an endless run of interim answers: 1000 of them, about 25 KB.
constexpr int kInterimsPerWrite = 1000;

// 100 fields of 1000 bytes: with their names and line ends, about 100 KB of header.
constexpr int kFillerFields = 100;
constexpr std::size_t kFillerBytes = 1000;

// While stalled, the session reads only to learn that the peer went away.
constexpr std::size_t kPeerReadBytes = 512;

// One chunk of an endless body: the whole pattern block, whose size is a multiple of the
// pattern period, so chunk after chunk continues the pattern without a seam.
std::array<asio::const_buffer, 3> endless_chunk() {
  const auto block = pattern_block();
  static const auto kSizeLine = [size = block.size()] {
    std::array<char, 16> hex{};
    const auto end = std::to_chars(hex.data(), hex.data() + hex.size(), size, 16).ptr;
    return std::string(hex.data(), end) + "\r\n";
  }();
  static constexpr std::string_view kChunkEnd = "\r\n";
  return {asio::buffer(kSizeLine), asio::buffer(block.data(), block.size()),
          asio::buffer(kChunkEnd.data(), kChunkEnd.size())};
}

// The whole huge-header answer as buffers over one shared 64 KiB piece of the line.
const std::vector<asio::const_buffer>& huge_header_answer() {
  static const std::string kPiece(kHugeLinePieceBytes, 'h');
  static const auto kBuffers = [] {
    std::vector<asio::const_buffer> buffers{
        asio::buffer(kHugeLineStart.data(), kHugeLineStart.size())};
    for (std::size_t i = 0; i < kHugeLineBytes / kHugeLinePieceBytes; ++i) {
      buffers.push_back(asio::buffer(kPiece));
    }
    buffers.push_back(asio::buffer(kHugeLineEnd.data(), kHugeLineEnd.size()));
    return buffers;
  }();
  return kBuffers;
}

const std::string& interim_answers() {
  static const auto kAnswers = [] {
    std::string answers;
    for (int i = 0; i < kInterimsPerWrite; ++i) {
      answers += "HTTP/1.1 100 Continue\r\n\r\n";
    }
    return answers;
  }();
  return kAnswers;
}

}  // namespace

void Session::add_fault_fields(http::fields& fields) const {
  if (fault_ == Fault::HugeHeaders) {
    static const std::string kFiller(kFillerBytes, 'f');
    for (int i = 1; i <= kFillerFields; ++i) {
      fields.insert("X-Filler-" + std::to_string(i), kFiller);
    }
  }
  if (fault_ == Fault::ServiceUnavailable || fault_ == Fault::TooManyRequests) {
    fields.set(http::field::retry_after,
               retry_after_value(answer_.fault, std::chrono::system_clock::now()));
  }
  if (fault_ == Fault::RateLimitFar) {
    set_far_rate_limit_fields(fields, answer_.fault);
  }
}

void Session::write_bad_status() {
  state_.on_answer(0, fault_);
  asio::async_write(socket_, asio::buffer(kBadStatus.data(), kBadStatus.size()),
                    [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                      self->on_written(ec);
                    });
}

void Session::write_huge_header_line() {
  state_.on_answer(0, fault_);
  asio::async_write(socket_, huge_header_answer(),
                    [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                      self->on_written(ec);
                    });
}

void Session::write_endless_interim() {
  const auto& answers = interim_answers();
  asio::async_write(socket_, asio::buffer(answers),
                    [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                      if (ec) {
                        self->end_answer();  // the peer went away
                        return;
                      }
                      self->write_endless_interim();
                    });
}

void Session::write_endless_chunk() {
  const auto chunk = endless_chunk();
  state_.on_more_body(pattern_block().size());
  // Each write completes through the event loop, so other connections on this thread get
  // their turn between chunks; a peer that stops reading just leaves the write pending.
  asio::async_write(socket_, chunk,
                    [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                      if (ec) {
                        self->end_answer();  // the peer went away
                        return;
                      }
                      self->write_endless_chunk();
                    });
}

void Session::wait_for_peer() {
  // Bytes after this request are never parsed, since the connection will not be reused.
  buffer_.clear();
  socket_.async_read_some(buffer_.prepare(kPeerReadBytes),
                          [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                            if (ec) {
                              self->end_answer();  // end of stream or reset: the peer left
                              return;
                            }
                            self->wait_for_peer();
                          });
}

void Session::reset() {
  beast::error_code ignored;
  // Lingering for zero seconds turns close() into an abort: the kernel sends RST instead of
  // FIN and drops whatever is still unsent.
  socket_.set_option(asio::socket_base::linger(true, 0), ignored);
  acked_entry_.end();
  socket_.close(ignored);
}

}  // namespace sluice::detail
