// The write callback of a transfer: cuts off a body beyond the run's max_body, holds the
// received bytes to the bandwidth cap, and saves them to the transfer's BodyFile.
#include "engines/body_receiver.hpp"

#include <utility>

namespace sluice::detail {

BodyReceiver::BodyReceiver(std::uint64_t max_body, BandwidthGate gate, CURL* easy)
    : max_body_(max_body), gate_(std::move(gate)), easy_(easy) {}

BodyReceiver::~BodyReceiver() { set_waiting(false); }

void BodyReceiver::start(std::optional<BodyFile> body) {
  bytes_ = 0;
  body_ = std::move(body);
  save_error_.clear();
  too_large_ = false;
  if (gate_.bytes != nullptr && gate_.on_pause) pacer_.emplace(*gate_.bytes);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &BodyReceiver::on_body);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
}

std::size_t BodyReceiver::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  return static_cast<BodyReceiver*>(self)->receive(std::span<const char>(data, size * count));
}

std::size_t BodyReceiver::receive(std::span<const char> chunk) {
  const std::size_t length = chunk.size();
  if (max_body_ > 0 && bytes_ + length > max_body_) {
    too_large_ = true;
    return 0;  // makes libcurl end the transfer with CURLE_WRITE_ERROR
  }
  if (gate_.bytes != nullptr) {
    if (const auto refused = pace(length)) return *refused;
  }
  // Sampled while bytes flow: a run with nothing arriving has nothing to learn.
  if (gate_.link != nullptr) gate_.link->maybe_sample(gate_.clock->now());
  bytes_ += length;
  if (body_) {
    auto written = body_->write(chunk);
    if (!written) {
      save_error_ = written.error();
      return 0;  // makes libcurl end the transfer with CURLE_WRITE_ERROR
    }
  }
  return length;
}

// [article:pace]
std::optional<std::size_t> BodyReceiver::pace(std::size_t length) {
  if (pacer_) {
    const auto until = pacer_->pause_until(length, gate_.clock->now());
    // A paused transfer waits until its resume hands the chunk here again.
    set_waiting(until.has_value());
    if (until) {
      gate_.on_pause(easy_, *until);
      return CURL_WRITEFUNC_PAUSE;  // libcurl keeps the chunk and hands it again on resume
    }
    return std::nullopt;
  }
  // Counted for the whole call: one that finds its tokens returns at once, too soon to be
  // sampled.
  set_waiting(true);
  const bool paid =
      gate_.bytes->take_blocking(static_cast<double>(length), gate_.stop, *gate_.clock);
  set_waiting(false);
  // A refusal ends the transfer with CURLE_WRITE_ERROR; the run's stop says why.
  if (!paid) return 0;
  return std::nullopt;
}
// [/article:pace]

void BodyReceiver::end() noexcept { set_waiting(false); }

std::expected<std::filesystem::path, std::string> BodyReceiver::commit() {
  auto saved = body_->commit();
  body_.reset();
  return saved;
}

void BodyReceiver::set_waiting(bool waiting) noexcept {
  if (gate_.waiting == nullptr || waiting == waiting_) return;
  waiting_ = waiting;
  if (waiting) {
    gate_.waiting->fetch_add(1, std::memory_order_relaxed);
  } else {
    gate_.waiting->fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace sluice::detail
