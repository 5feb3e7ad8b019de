// The write callback of a transfer: cuts off a body beyond the run's max_body, holds the
// received bytes to the bandwidth cap, saves them to the transfer's BodyFile and hashes them.
#include "engines/body_receiver.hpp"

#include <charconv>
#include <string_view>
#include <utility>

#include "engines/socket_rtt.hpp"

namespace sluice::detail {

const BandwidthGate BodyReceiver::kInertGate{};

BodyReceiver::BodyReceiver(std::uint64_t max_body, BandwidthGate gate, CURL* easy)
    : max_body_(max_body),
      gate_(gate.inert() ? nullptr : std::make_unique<const BandwidthGate>(std::move(gate))),
      easy_(easy) {}

BodyReceiver::~BodyReceiver() { set_waiting(false); }

void BodyReceiver::start(std::optional<BodyFile> body, bool digest, bool keep) {
  bytes_ = 0;
  body_ = body ? std::make_unique<BodyFile>(std::move(*body)) : nullptr;
  body_begun_ = false;
  keeping_ = true;
  digest_.reset();
  if (digest) digest_.emplace();
  keep_ = keep;
  kept_.clear();
  save_error_.reset();
  range_error_.reset();
  too_large_ = false;
  socket_ = CURL_SOCKET_BAD;
  started_ = true;
  if (gate().bytes != nullptr && gate().on_pause) pacer_.emplace(*gate().bytes);
}

void BodyReceiver::attach() noexcept {
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
  if (gate().window != nullptr && socket_ != CURL_SOCKET_BAD) sample_rtt();
  if (!receiving_ && gate().begin_receiving && !whole_body(length)) {
    switch (gate().begin_receiving()) {
      case ReceiverSlot::Taken:
        receiving_ = true;
        break;
      case ReceiverSlot::Busy:
        // Its answer came while receivers() others receive: reading on would reopen its
        // window beside theirs, a standing queue of one more window at the bottleneck.
        set_waiting(true);
        return CURL_WRITEFUNC_PAUSE;
      case ReceiverSlot::Stopped:
        // Ends the transfer with CURLE_WRITE_ERROR; the run's stop says why.
        return 0;
    }
  }
  if (gate().bytes != nullptr) {
    if (const auto refused = pace(length)) return *refused;
  }
  // Sampled while bytes flow: a run with nothing arriving has nothing to learn.
  if (gate().link != nullptr) gate().link->maybe_sample(gate().clock->now());
  bytes_ += length;
  if (keep_) kept_.append(chunk.data(), length);
  if (body_ && !body_begun_) {
    body_begun_ = true;
    if (auto begun = begin_body(); !begun) {
      save_error_ = std::move(begun.error());
      return 0;  // makes libcurl end the transfer with CURLE_WRITE_ERROR
    }
    if (range_error_) return 0;
  }
  if (body_ && keeping_) {
    auto written = body_->write(chunk);
    if (!written) {
      save_error_ = std::move(written.error());
      return 0;  // makes libcurl end the transfer with CURLE_WRITE_ERROR
    }
  }
  if (digest_) digest_->update(std::string_view(chunk.data(), length));
  return length;
}

bool BodyReceiver::whole_body(std::size_t length) const noexcept {
  if (bytes_ > 0 || easy_ == nullptr) return false;
  curl_off_t announced = -1;
  curl_easy_getinfo(easy_, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
  return announced >= 0 && static_cast<std::uint64_t>(announced) == length;
}

// [article:pace]
std::optional<std::size_t> BodyReceiver::pace(std::size_t length) {
  if (pacer_) {
    const auto until = pacer_->pause_until(length, gate().clock->now());
    // A paused transfer waits until its resume hands the chunk here again.
    set_waiting(until.has_value());
    if (until) {
      gate().on_pause(easy_, *until);
      return CURL_WRITEFUNC_PAUSE;  // libcurl keeps the chunk and hands it again on resume
    }
    return std::nullopt;
  }
  // Counted for the whole call: one that finds its tokens returns at once, too soon to be
  // sampled.
  set_waiting(true);
  const bool paid =
      gate().bytes->take_blocking(static_cast<double>(length), gate().stop, *gate().clock);
  set_waiting(false);
  // A refusal ends the transfer with CURLE_WRITE_ERROR; the run's stop says why.
  if (!paid) return 0;
  return std::nullopt;
}
// [/article:pace]

namespace {

// The first byte of a 206's "Content-Range: bytes START-END/TOTAL"; nullopt when the answer
// has none or it does not parse.
std::optional<std::uint64_t> content_range_start(CURL* easy) {
  curl_header* header = nullptr;
  if (curl_easy_header(easy, "Content-Range", 0, CURLH_HEADER, -1, &header) != CURLHE_OK) {
    return std::nullopt;
  }
  std::string_view value(header->value);
  if (!value.starts_with("bytes ")) return std::nullopt;
  value.remove_prefix(6);
  std::uint64_t start = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), start);
  if (error != std::errc() || end == value.data() + value.size() || *end != '-') {
    return std::nullopt;
  }
  return start;
}

}  // namespace

std::expected<void, std::string> BodyReceiver::begin_body() {
  if (!body_->resumable() || easy_ == nullptr) return body_->begin(false);
  // The answer whose body this is: after a redirect libcurl follows, the last one.
  long status = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  keeping_ = status >= 200 && status < 300;
  if (!keeping_) return {};
  const bool appending = status == 206 && body_->resume_offset() > 0;
  if (appending) {
    // A 206 that does not go on where the part ends would leave a gap or a repeat in the file.
    const auto start = content_range_start(easy_);
    if (start != body_->resume_offset()) {
      range_error_ = "the range answer starts at " +
                     (start ? "byte " + std::to_string(*start) : std::string("no stated byte")) +
                     ", not where the saved part ends (byte " +
                     std::to_string(body_->resume_offset()) +
                     "): the part is dropped and the body fetched again";
      discard();
      return {};
    }
  }
  // The record's digest is the whole file's, the part an earlier attempt saved included.
  if (appending && digest_) {
    auto fed = body_->read_part([this](std::string_view piece) { digest_->update(piece); });
    if (!fed) return fed;
  }
  return body_->begin(appending);
}

void BodyReceiver::discard() noexcept {
  if (body_) body_->discard();
  body_.reset();
  kept_.clear();
}

std::optional<std::string> BodyReceiver::take_digest() {
  if (!digest_) return std::nullopt;
  std::string hex = digest_->hex_digest();
  digest_.reset();
  return hex;
}

void BodyReceiver::end() noexcept {
  set_waiting(false);
  if (receiving_) {
    receiving_ = false;
    gate().end_receiving();
  }
  if (started_) {
    started_ = false;
    if (gate().window != nullptr) gate().window->ended(bytes_);
  }
}

std::expected<std::filesystem::path, std::string> BodyReceiver::commit() {
  auto saved = body_->commit();
  body_.reset();
  return saved;
}

void BodyReceiver::sample_rtt() {
  const curl_socket_t socket = std::exchange(socket_, CURL_SOCKET_BAD);
  if (const auto rtt = socket_min_rtt(socket))
    gate().window->observe_rtt(*rtt, gate().clock->now());
}

void BodyReceiver::set_waiting(bool waiting) noexcept {
  if (gate().waiting == nullptr || waiting == waiting_) return;
  waiting_ = waiting;
  if (waiting) {
    gate().waiting->fetch_add(1, std::memory_order_relaxed);
  } else {
    gate().waiting->fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace sluice::detail
