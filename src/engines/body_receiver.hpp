// The write callback of a transfer: cuts off a body beyond the run's max_body, holds the
// received bytes to the bandwidth cap, saves them to the transfer's BodyFile and hashes them.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>

#include "engines/link_sampler.hpp"
#include "heap_optional.hpp"
#include "limit/bandwidth_pacer.hpp"
#include "limit/time_source.hpp"
#include "limit/token_bucket.hpp"
#include "limit/window_budget.hpp"
#include "output/body_file.hpp"
#include "sha256.hpp"

namespace sluice::detail {

// What a transfer's first body byte gets from the window budget's receivers.
enum class ReceiverSlot {
  Taken,    // it may receive
  Busy,     // receivers() already receive: pause; the engine resumes it when one ends
  Stopped,  // the run stopped while it waited
};

// How a transfer's received bytes are held to the run's --max-bandwidth (no cap when
// `bytes` is null). An event loop cannot block, so it gives `on_pause`: the transfer then
// pauses itself (CURL_WRITEFUNC_PAUSE) and asks to be resumed at the given time. A worker
// thread gives `stop` instead and blocks in the write callback until its bytes are paid.
struct BandwidthGate {
  TokenBucket* bytes = nullptr;
  std::function<void(CURL*, TimeSource::time_point)> on_pause;
  std::stop_token stop;
  // The run's window budget: each new socket's SO_RCVBUF, and the round trips it learns
  // from each transfer's socket. May be null.
  WindowBudget* window = nullptr;
  // Told when this transfer's first body byte comes and when it ends: the window budget's
  // count of transfers that receive (a transfer waiting for its answer is not one). Begin
  // may wait for a free receiver (a worker thread), or answer Busy (an event loop): the
  // transfer then pauses, and the engine that said Busy resumes it once a receiver is free,
  // when it asks again. May be empty.
  std::function<ReceiverSlot()> begin_receiving;
  std::function<void()> end_receiving;
  // The run's gauge of transfers waiting for tokens (LiveCounters::waiting_for_bandwidth);
  // may be null.
  std::atomic<std::uint64_t>* waiting = nullptr;
  // --max-bandwidth auto: samples the run's sockets for the link controller, which sets the
  // bucket's rate; each transfer adds the sockets it opens. May be null.
  LinkSampler* link = nullptr;
  // What the pacing reads and sleeps on; tests move it by hand.
  TimeSource* clock = &real_time_source();

  // Whether it has nothing to pace, count or tell (no --max-bandwidth): a receiver then
  // keeps none. A new field that asks for something belongs here too.
  bool inert() const noexcept {
    return bytes == nullptr && !on_pause && window == nullptr && !begin_receiving &&
           !end_receiving && waiting == nullptr && link == nullptr;
  }
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

  // Makes the handle hand its body here; again after each curl_easy_reset, which forgets the
  // write callback.
  void attach() noexcept;
  // Readies for a new transfer, saving its body to `body` if given, hashing it when `digest`
  // and keeping it in memory when `keep` (see take_kept).
  void start(std::optional<BodyFile> body, bool digest = false, bool keep = false);
  // Takes one chunk of the body; returns what the write callback returns: its length when
  // taken, CURL_WRITEFUNC_PAUSE to be handed it again on resume, or 0 to end the transfer
  // (CURLE_WRITE_ERROR): too large, a failed save, or the run stopped while it waited.
  std::size_t receive(std::span<const char> chunk);
  // The transfer is over (it may end while paused, e.g. by a timeout): it waits no more,
  // receives no more, and tells the window budget how much of its window it used.
  void end() noexcept;
  // The transfer opened `socket` for its own connection: its first body bytes tell the window
  // budget that socket's round trip. libcurl cannot say which socket a transfer uses while it
  // runs (CURLINFO_ACTIVESOCKET is -1 until it ends), and a reused connection is not sampled.
  void socket_opened(curl_socket_t socket) noexcept { socket_ = socket; }

  const BandwidthGate& gate() const noexcept { return gate_ ? *gate_ : kInertGate; }
  std::uint64_t bytes() const noexcept { return bytes_; }
  // Whether a chunk was refused for going beyond max_body.
  bool too_large() const noexcept { return too_large_; }
  // Why a chunk could not be saved; empty when none was refused so.
  std::string_view save_error() const noexcept { return view_or_empty(save_error_); }
  // Why a 206 was refused: its range does not start where the saved part ended (the part is
  // dropped, so the next attempt starts over); empty when none was.
  std::string_view range_error() const noexcept { return view_or_empty(range_error_); }
  // Whether the body is being saved to a BodyFile not yet committed or dropped.
  bool saving() const noexcept { return body_ != nullptr; }
  // The SHA-256 of the body taken since start(digest = true), as hex; ends the digest, so
  // a second call gives nullopt, as does a transfer started without one.
  std::optional<std::string> take_digest();
  // Renames the saved body into place (see BodyFile::commit); then saving() is false.
  std::expected<std::filesystem::path, std::string> commit();
  // Forgets the saved body (an uncommitted body file removes itself; a resumable one keeps
  // what arrived) and the kept one.
  void drop() noexcept {
    body_.reset();
    kept_.clear();
  }
  // As drop(), and a resumable body's ".part" goes too.
  void discard() noexcept;
  // The body kept in memory since start(..., keep = true); empty afterwards.
  std::string take_kept() noexcept { return std::move(kept_); }

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  // At the body's first chunk: whether and how it is kept. A resumable body keeps only a 2xx
  // answer (a 503 or a redirect leaves its ".part" as it was) and appends a 206 whose range
  // starts where the part ends.
  std::expected<void, std::string> begin_body();
  // Whether a first chunk of `length` bytes is the whole body the answer announced. Such a
  // transfer takes no receiver: its window has nothing more to let in, and pausing a body
  // already here keeps nothing off the link (answers of a few hundred bytes took turns for
  // the one receiver of a low rate, a pause and a resume each).
  bool whole_body(std::size_t length) const noexcept;
  // Whether the bandwidth cap lets `length` bytes in now; may pause or block.
  std::optional<std::size_t> pace(std::size_t length);
  // Tells the window budget the round trip of the socket the transfer opened, once.
  void sample_rtt();
  // Counts this transfer in the gate's waiting gauge, or not; idempotent.
  void set_waiting(bool waiting) noexcept;

  static const BandwidthGate kInertGate;

  const std::uint64_t max_body_;
  // Null when the gate is inert(): in place it was 144 of every receiver's bytes, -c of them
  // (see docs/benchmarks.md).
  const std::unique_ptr<const BandwidthGate> gate_;
  CURL* const easy_;
  std::optional<BandwidthPacer> pacer_;     // with a non-blocking gate
  bool waiting_ = false;                    // counted in gate_.waiting
  curl_socket_t socket_ = CURL_SOCKET_BAD;  // opened by this transfer, round trip not yet told
  bool started_ = false;                    // started and not yet ended
  bool receiving_ = false;                  // counted by gate_.begin_receiving
  std::uint64_t bytes_ = 0;
  // On the heap: most runs save no body, and a BodyFile in place is 152 bytes of every
  // one of -c receivers.
  std::unique_ptr<BodyFile> body_;
  bool body_begun_ = false;       // begin_body() ran for this transfer
  bool keeping_ = true;           // the chunks go to body_
  std::optional<Sha256> digest_;  // fed as the bytes are taken: no second read of the file
  bool keep_ = false;
  std::string kept_;  // with keep_: the bytes received, at most max_body_
  // Rarely set, so on the heap: in place they were 64 of every receiver's bytes.
  HeapOptional<std::string> save_error_;
  HeapOptional<std::string> range_error_;
  bool too_large_ = false;
};

}  // namespace sluice::detail
