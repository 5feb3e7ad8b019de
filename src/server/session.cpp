// The request loop of one test-server connection.
#include "server/session.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <string_view>
#include <utility>

namespace sluice::detail {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// Covers any sane request header; larger ones fail the read and end the connection.
constexpr std::size_t kMaxHeaderBytes = std::size_t{8} * 1024;

}  // namespace

Session::Session(IoSocket socket, ServerState& state)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      state_(state),
      buffer_(kMaxHeaderBytes) {}

void Session::start() { read_header(); }

void Session::read_header() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                            self->on_header(ec);
                          });
}

void Session::on_header(const beast::error_code& ec) {
  if (ec) {
    return;  // the peer closed or sent something that is not HTTP: drop the connection
  }
  const auto& request = parser_->get();
  const auto target = request.target();
  answer_ = route(request.method(), std::string_view(target.data(), target.size()),
                  json_response_.body());
  version_ = request.version();
  head_ = request.method() == http::verb::head;
  // A request body is never read, so the connection cannot be reused after it.
  keep_alive_ = request.keep_alive() && parser_->is_done();
  counted_ = answer_.resource != Resource::Stats;
  if (counted_) {
    state_.on_request_started();
  }
  const auto delay = answer_.delay ? *answer_.delay
                     : counted_    ? state_.next_latency()
                                   : std::chrono::milliseconds{0};
  if (delay.count() == 0) {
    answer();
    return;
  }
  timer_.expires_after(delay);
  timer_.async_wait([self = shared_from_this()](const beast::error_code&) { self->answer(); });
}

template <class Response>
void Session::prepare_header(Response& response, std::uint64_t content_length) const {
  response.clear();
  response.result(answer_.status);
  response.version(version_);
  if (answer_.status == 405) {
    response.set(http::field::allow, "GET, HEAD");
  }
  // 204 and 304 answers must not state a length (RFC 9110, sections 8.6 and 15.4.5).
  if (answer_.status != 204 && answer_.status != 304) {
    response.content_length(content_length);
  }
  response.keep_alive(keep_alive_);
}

void Session::answer() {
  auto on_written = [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
    self->on_written(ec);
  };
  if (answer_.resource == Resource::Pattern) {
    prepare_header(pattern_response_, answer_.pattern_size);
    pattern_response_.set(http::field::content_type, "application/octet-stream");
    // A HEAD answer states the GET length in its header and sends no body.
    body_bytes_ = head_ ? 0 : answer_.pattern_size;
    pattern_response_.body() = body_bytes_;
    pattern_serializer_.emplace(pattern_response_);
    if (counted_) {
      state_.on_answer(body_bytes_);
    }
    http::async_write(socket_, *pattern_serializer_, std::move(on_written));
    return;
  }
  auto& body = json_response_.body();
  if (answer_.resource == Resource::Stats) {
    body = stats_json(state_.snapshot());
  }
  prepare_header(json_response_, body.size());
  if (!body.empty()) {
    json_response_.set(http::field::content_type, "application/json");
  }
  if (head_) {
    body.clear();
  }
  body_bytes_ = body.size();
  json_serializer_.emplace(json_response_);
  if (counted_) {
    state_.on_answer(body_bytes_);
  }
  http::async_write(socket_, *json_serializer_, std::move(on_written));
}

void Session::on_written(const beast::error_code& ec) {
  if (counted_) {
    state_.on_request_finished();
  }
  if (ec) {
    return;
  }
  if (!keep_alive_) {
    beast::error_code ignored;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  read_header();
}

}  // namespace sluice::detail
