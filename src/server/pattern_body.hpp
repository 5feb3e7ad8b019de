// A Beast body type that streams /bytes/{n} answers from one shared block, so a 1 GiB answer
// costs no memory per request.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <span>
#include <utility>

namespace sluice::detail {

// The first 64 KiB of the body pattern: immutable, built on first use.
std::span<const char> pattern_block();

// The part of the pattern an answer sends: `length` bytes from pattern position `start` (non-zero
// for a range request).
struct PatternSpan {
  std::uint64_t length = 0;
  std::uint64_t start = 0;
};

// Meets Beast's Body requirements for serialization only.
struct PatternBody {
  using value_type = PatternSpan;

  static std::uint64_t size(const value_type& span) noexcept { return span.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>& /*header*/, const value_type& span)
        : remaining_(span.length), position_(span.start) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec);

   private:
    std::uint64_t remaining_;
    std::uint64_t position_;  // in the pattern, of the next byte
  };
};

}  // namespace sluice::detail
