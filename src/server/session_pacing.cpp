// How a test-server session paces the body of a /bytes/{n} answer to ServerConfig::bandwidth:
// the header at once, then chunks of the pattern, each when the connection's Pacer allows.
#include <algorithm>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>

#include "server/body_pattern.hpp"
#include "server/session.hpp"

namespace sluice::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;

bool Session::paces_body() const noexcept {
  // Stalled and endless answers never reach here (their bodies are not the serializer's), and
  // the 503 and 429 faults turn the answer into JSON.
  return pacer_ && answer_.resource == Resource::Pattern && body_bytes_ > 0;
}

void Session::on_paced_header(const beast::error_code& ec, std::size_t header_bytes) {
  if (ec) {
    on_written(ec);
    return;
  }
  // The header counts against the rate too, so that the connection's bytes on the wire, not
  // just its body, keep to it.
  pacer_->charge(header_bytes, std::chrono::steady_clock::now());
  paced_bytes_ = 0;
  write_paced_chunk();
}

void Session::write_paced_chunk() {
  if (paced_bytes_ == body_bytes_) {
    on_written({});
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (const auto wait = pacer_->wait(now); wait > std::chrono::steady_clock::duration::zero()) {
    timer_.expires_after(wait);
    timer_.async_wait(
        [self = shared_from_this()](const beast::error_code&) { self->write_paced_chunk(); });
    return;
  }
  // A chunk need not be a whole number of pattern periods, so each one starts at its own
  // place in the pattern block; the block is longer than a chunk by far more than a period.
  const auto block = pattern_block();
  const auto offset =
      static_cast<std::size_t>((answer_.pattern_start + paced_bytes_) % kBodyPatternPeriod);
  const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(
      {pacer_->chunk_bytes(), body_bytes_ - paced_bytes_, block.size() - offset}));
  pacer_->charge(size, now);
  asio::async_write(socket_, asio::buffer(block.data() + offset, size),
                    [self = shared_from_this()](const beast::error_code& ec, std::size_t written) {
                      if (ec) {
                        self->on_written(ec);  // the peer went away
                        return;
                      }
                      self->paced_bytes_ += written;
                      self->write_paced_chunk();
                    });
}

}  // namespace sluice::detail
