// The write callback of a transfer: cuts off a body beyond the run's max_body, holds the
// received bytes to the bandwidth cap, and saves them to the transfer's BodyFile.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <stop_token>
#include <string>

#include "engines/link_sampler.hpp"
#include "limit/bandwidth_pacer.hpp"
#include "limit/time_source.hpp"
#include "limit/token_bucket.hpp"
#include "output/body_file.hpp"

namespace sluice::detail {

// How a transfer's received bytes are held to the run's --max-bandwidth (no cap when
// `bytes` is null). An event loop cannot block, so it gives `on_pause`: the transfer then
// pauses itself (CURL_WRITEFUNC_PAUSE) and asks to be resumed at the given time. A worker
// thread gives `stop` instead and blocks in the write callback until its bytes are paid.
struct BandwidthGate {
  TokenBucket* bytes = nullptr;
  std::function<void(CURL*, TimeSource::time_point)> on_pause;
  std::stop_token stop;
  // SO_RCVBUF for each new socket (see bandwidth_pacer.hpp), read at each connect; may be null.
  const std::atomic<int>* receive_buffer = nullptr;
  // The run's gauge of transfers waiting for tokens (LiveCounters::waiting_for_bandwidth);
  // may be null.
  std::atomic<std::uint64_t>* waiting = nullptr;
  // --max-bandwidth auto: samples the run's sockets for the link controller, which sets the
  // bucket's rate; each transfer adds the sockets it opens. May be null.
  LinkSampler* link = nullptr;
  // What the pacing reads and sleeps on; tests move it by hand.
  TimeSource* clock = &real_time_source();
};

// Not thread-safe: used by the thread that runs the transfer's callbacks. Lifetime: libcurl
// holds a pointer to it while a transfer runs, so it stays put (not copyable); the gate's
// bucket and gauge must outlive it. One per easy handle, reused transfer after transfer.
class BodyReceiver {
 public:
  // Refuses bodies beyond `max_body` bytes (0: no limit). `easy` is the handle whose body
  // this receives and whose pauses the gate's on_pause is told of; null only in tests that
  // call receive() directly.
  BodyReceiver(std::uint64_t max_body, BandwidthGate gate, CURL* easy);
  BodyReceiver(const BodyReceiver&) = delete;
  BodyReceiver& operator=(const BodyReceiver&) = delete;
  ~BodyReceiver();

  // Readies for a new transfer, saving its body to `body` if given, and makes the handle
  // hand its body here; again after each curl_easy_reset, which forgets the write callback.
  void start(std::optional<BodyFile> body);
  // Takes one chunk of the body; returns what the write callback returns: its length when
  // taken, CURL_WRITEFUNC_PAUSE to be handed it again on resume, or 0 to end the transfer
  // (CURLE_WRITE_ERROR): too large, a failed save, or the run stopped while it waited.
  std::size_t receive(std::span<const char> chunk);
  // The transfer is over (it may end while paused, e.g. by a timeout): it waits no more.
  void end() noexcept;

  const BandwidthGate& gate() const noexcept { return gate_; }
  std::uint64_t bytes() const noexcept { return bytes_; }
  // Whether a chunk was refused for going beyond max_body.
  bool too_large() const noexcept { return too_large_; }
  // Why a chunk could not be saved; empty when none was refused so.
  const std::string& save_error() const noexcept { return save_error_; }
  // Whether the body is being saved to a BodyFile not yet committed or dropped.
  bool saving() const noexcept { return body_.has_value(); }
  // Renames the saved body into place (see BodyFile::commit); then saving() is false.
  std::expected<std::filesystem::path, std::string> commit();
  // Forgets the saved body: an uncommitted body file removes itself.
  void drop() noexcept { body_.reset(); }

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  // Whether the bandwidth cap lets `length` bytes in now; may pause or block.
  std::optional<std::size_t> pace(std::size_t length);
  // Counts this transfer in the gate's waiting gauge, or not; idempotent.
  void set_waiting(bool waiting) noexcept;

  const std::uint64_t max_body_;
  BandwidthGate gate_;
  CURL* const easy_;
  std::optional<BandwidthPacer> pacer_;  // with a non-blocking gate
  bool waiting_ = false;                 // counted in gate_.waiting
  std::uint64_t bytes_ = 0;
  std::optional<BodyFile> body_;
  std::string save_error_;
  bool too_large_ = false;
};

}  // namespace sluice::detail
