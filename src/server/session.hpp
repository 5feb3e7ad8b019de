// One accepted connection of the test server: reads requests one after another, delays each
// answer on a timer and writes it, or the fault it was given, until the peer closes or asks
// to close or a fault ends the connection.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string_view>

#include "server/acked_bins.hpp"
#include "server/fault.hpp"
#include "server/pacer.hpp"
#include "server/pattern_body.hpp"
#include "server/routes.hpp"
#include "server/server_state.hpp"

namespace sluice::detail {

// Sessions run on one io_context each; naming its executor type directly spares the
// type-erased any_io_executor on every operation.
using IoExecutor = boost::asio::io_context::executor_type;
using IoSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, IoExecutor>;
using IoTimer = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, IoExecutor>;

// Thread-safety: none; start() and every handler run on the socket's io_context thread.
// Lifetime: owned by the handlers of its pending operation (shared_from_this); it ends when
// the connection does, or when its io_context is destroyed. `state` must outlive it. A
// stalled or endless answer keeps an operation pending until the peer goes away.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(IoSocket socket, ServerState& state);
  void start();

 private:
  void read_header();
  void on_header(const boost::beast::error_code& ec);
  void on_request(const boost::beast::error_code& ec);
  void answer();
  template <class Body>
  void send(boost::beast::http::response<Body>& response,
            std::optional<boost::beast::http::response_serializer<Body>>& serializer,
            std::uint64_t content_length, std::string_view content_type);
  template <class Response>
  void prepare_header(Response& response, std::uint64_t content_length) const;
  void on_written(const boost::beast::error_code& ec);
  // The answer is over for ServerStats::in_flight; called once per counted request.
  void end_answer();

  // The fault modes, in session_faults.cpp.
  void add_fault_fields(boost::beast::http::fields& fields) const;
  void write_bad_status();
  void write_huge_header_line();
  void write_endless_chunk();
  void write_endless_interim();  // one more write of 1xx answers, until the peer leaves
  void wait_for_peer();
  void reset();

  // The paced body of a /bytes/{n} answer under ServerConfig::bandwidth, in session_pacing.cpp.
  bool paces_body() const noexcept;
  void on_paced_header(const boost::beast::error_code& ec, std::size_t header_bytes);
  void write_paced_chunk();

  IoSocket socket_;
  // Declared after the socket, so that it ends, with its last TCP_INFO read, before the
  // socket's destructor closes the fd.
  AckedBinsEntry acked_entry_;
  IoTimer timer_;
  ServerState& state_;
  boost::beast::flat_buffer buffer_;
  // A Beast parser reads a single message, so each request gets a fresh one in place.
  // Its body is read (up to kMaxRequestBodyBytes) so that /anything can echo it and the
  // connection stays usable after it.
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  // Responses live here, not per request, so their body strings keep their capacity.
  boost::beast::http::response<boost::beast::http::string_body> json_response_;
  boost::beast::http::response<PatternBody> pattern_response_;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::string_body>>
      json_serializer_;
  std::optional<boost::beast::http::response_serializer<PatternBody>> pattern_serializer_;

  // The request being answered.
  Answer answer_;
  unsigned version_ = 11;
  bool head_ = false;
  bool keep_alive_ = false;
  bool counted_ = false;  // counted in the stats (every request except /_stats)
  // Turned away with a 503 past 4 x capacity; fault_ is then ServiceUnavailable.
  bool overloaded_ = false;
  // Its turn in the server's rate-limit window (unset without one, and for /_stats).
  std::optional<RateTurn> rate_turn_;
  // Turned away with a 429 because the window's quota was used up; fault_ is then
  // TooManyRequests.
  bool rate_limited_ = false;
  std::chrono::steady_clock::time_point started_;  // when its header was read
  Fault fault_ = Fault::None;
  std::uint64_t body_bytes_ = 0;

  // Set when the server has a bandwidth; one per connection, so the pace holds across the
  // requests a connection carries.
  std::optional<Pacer> pacer_;
  std::uint64_t paced_bytes_ = 0;  // body bytes of the paced answer written so far
};

}  // namespace sluice::detail
