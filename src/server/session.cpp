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
// A larger request body drops the connection: the routes only echo bodies.
constexpr std::uint64_t kMaxRequestBodyBytes = std::uint64_t{1024} * 1024;

}  // namespace

Session::Session(IoSocket socket, ServerState& state)
    : socket_(std::move(socket)),
      acked_entry_(state.acked_bins(), socket_.native_handle()),
      timer_(socket_.get_executor()),
      state_(state),
      buffer_(kMaxHeaderBytes) {
  if (state_.bandwidth() > 0) {
    pacer_.emplace(state_.bandwidth());
  }
}

void Session::start() { read_header(); }

void Session::read_header() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(kMaxRequestBodyBytes);
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
                            self->on_header(ec);
                          });
}

void Session::on_header(const beast::error_code& ec) {
  if (ec) {
    return;  // the peer closed or sent something that is not HTTP: drop the connection
  }
  if (parser_->is_done()) {
    on_request(ec);
    return;
  }
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](const beast::error_code& error, std::size_t) {
                     self->on_request(error);
                   });
}

void Session::on_request(const beast::error_code& ec) {
  if (ec) {
    return;  // the body broke off, or was too large: drop the connection
  }
  const auto& request = parser_->get();
  const auto target = std::string_view(request.target().data(), request.target().size());
  answer_ = route(request, json_response_.body(), request.body());
  version_ = request.version();
  head_ = request.method() == http::verb::head;
  counted_ = answer_.resource != Resource::Stats;
  started_ = std::chrono::steady_clock::now();
  const auto admission = counted_ ? state_.on_request_started() : Admission{};
  rate_turn_ = counted_ ? state_.take_rate_turn() : std::nullopt;
  overloaded_ = admission.overloaded;
  rate_limited_ = !overloaded_ && rate_turn_ && !rate_turn_->admitted;
  if (overloaded_) {
    // An overloaded server answers before it looks at what was asked: the default
    // Retry-After of 1 s, and no fault turn used up.
    answer_.fault = {};
    fault_ = Fault::ServiceUnavailable;
  } else if (rate_limited_) {
    // Likewise a rate-limited one, which asks the client to come back in the next window.
    answer_.fault = {.retry_after = rate_turn_->reset};
    fault_ = Fault::TooManyRequests;
  } else {
    // /_stats is never faulted, so a fault always belongs to a counted request.
    fault_ = counted_ ? state_.choose_fault(answer_.fault, target) : Fault::None;
  }
  keep_alive_ = request.keep_alive() && !ends_connection(fault_);
  std::chrono::microseconds delay{0};
  if (!overloaded_ && !rate_limited_) {
    delay = admission.queueing + (answer_.delay ? *answer_.delay
                                  : counted_    ? state_.next_latency()
                                                : std::chrono::milliseconds{0});
  }
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
  if (!answer_.location.empty()) {
    response.set(http::field::location, answer_.location);
  }
  for (const auto& [name, value] : answer_.fields) {
    response.insert(name, value);
  }
  // 204 and 304 answers must not state a length (RFC 9110, sections 8.6 and 15.4.5).
  if (answer_.status != 204 && answer_.status != 304) {
    response.content_length(content_length);
  }
  response.keep_alive(keep_alive_);
}

void Session::answer() {
  switch (fault_) {
    case Fault::ResetBefore:
      state_.on_answer(0, fault_);
      end_answer();
      reset();
      return;
    case Fault::BadStatus:
      write_bad_status();
      return;
    case Fault::HugeHeaderLine:
      write_huge_header_line();
      return;
    case Fault::EndlessInterim:
      state_.on_answer(0, fault_);  // once: the writes that follow are all one answer
      write_endless_interim();
      return;
    case Fault::RedirectNoLocation:
      answer_.status = 302;
      answer_.location.clear();
      answer_.resource = Resource::Json;
      json_response_.body() = status_json(answer_.status);
      break;
    case Fault::Endless:
      answer_.status = 200;
      answer_.resource = Resource::Pattern;
      break;
    case Fault::ServiceUnavailable:
    case Fault::TooManyRequests:
      answer_.status = fault_ == Fault::ServiceUnavailable ? 503 : 429;
      answer_.resource = Resource::Json;
      json_response_.body() = status_json(answer_.status);
      break;
    default:
      break;
  }
  // A HEAD answer states the GET length in its header and sends no body; some faults send
  // only part of the body they announce.
  const auto body_bytes = [this](std::uint64_t length) {
    return head_ ? 0 : body_bytes_written(fault_, length, answer_.fault.fraction);
  };
  if (answer_.resource == Resource::Pattern) {
    body_bytes_ = body_bytes(answer_.pattern_size);
    pattern_response_.body() = {.length = body_bytes_, .start = answer_.pattern_start};
    send(pattern_response_, pattern_serializer_, answer_.pattern_size, "application/octet-stream");
    return;
  }
  auto& body = json_response_.body();
  if (answer_.resource == Resource::Stats) {
    body = stats_json(state_.snapshot(), state_.acked_bins().recent(kStatsBins),
                      state_.request_bins().recent(kStatsBins));
  }
  const auto length = body.size();
  body_bytes_ = body_bytes(length);
  body.resize(body_bytes_);
  send(json_response_, json_serializer_, length, length == 0 ? "" : "application/json");
}

template <class Body>
void Session::send(http::response<Body>& response,
                   std::optional<http::response_serializer<Body>>& serializer,
                   std::uint64_t content_length, std::string_view content_type) {
  prepare_header(response, content_length);
  if (!content_type.empty()) {
    response.set(http::field::content_type, content_type);
  }
  add_fault_fields(response);
  if (rate_turn_) {
    set_rate_limit_fields(response, state_.rate_limit(), *rate_turn_);
  }
  if (fault_ == Fault::Endless) {
    response.chunked(true);
  }
  serializer.emplace(response);
  if (counted_) {
    // An overload 503 counts in ServerStats::overloaded and a rate-limit 429 in
    // ServerStats::rate_limited, not as faults.
    state_.on_answer(body_bytes_, overloaded_ || rate_limited_ ? Fault::None : fault_);
  }
  auto on_written = [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
    self->on_written(ec);
  };
  // Their body is not the serializer's to write: a stall has none, an endless one never ends.
  if (fault_ == Fault::Stall || fault_ == Fault::Endless) {
    http::async_write_header(socket_, *serializer, std::move(on_written));
    return;
  }
  if (paces_body()) {
    http::async_write_header(
        socket_, *serializer,
        [self = shared_from_this()](const beast::error_code& ec, std::size_t header_bytes) {
          self->on_paced_header(ec, header_bytes);
        });
    return;
  }
  http::async_write(socket_, *serializer, std::move(on_written));
}

void Session::on_written(const beast::error_code& ec) {
  if (ec) {
    end_answer();
    return;
  }
  switch (fault_) {
    case Fault::ResetMid:
      end_answer();
      reset();
      return;
    case Fault::Stall:
      wait_for_peer();
      return;
    case Fault::Endless:
      if (head_) {
        wait_for_peer();
      } else {
        write_endless_chunk();
      }
      return;
    default:
      break;
  }
  end_answer();
  // Faults that end the connection, truncate and bad-status among them, cleared keep_alive_:
  // their close is this clean one.
  if (!keep_alive_) {
    beast::error_code ignored;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  read_header();
}

void Session::end_answer() {
  if (counted_) {
    state_.on_request_finished(std::chrono::steady_clock::now() - started_);
  }
}

}  // namespace sluice::detail
