// Everything waiting to go out on the channel, without I/O.
//
// Control frames (open, credit, rst, ping, ...) never wait: they are appended
// to one byte buffer and go first in every batch. Data frames (and each
// stream's FIN, which must follow its data) wait in FIFO order, and the bytes
// they may occupy are bounded by a budget: a stream reserves one chunk before
// reading its socket, so data is only read when the pipe can take it, and
// streams that found the budget spent are granted in turn (round robin).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include <boost/asio/buffer.hpp>

#include "common/buffer_pool.hpp"
#include "common/protocol.hpp"

namespace tfunnel {

class OutQueue {
 public:
  static constexpr std::size_t kChunk = protocol::kMaxDataPayload;
  // A spliced read fills no block: it may take a frame's whole payload.
  static constexpr std::size_t kMaxChunk = protocol::kMaxPayload;
  static constexpr std::size_t kMaxFramesPerBatch = 64;

  explicit OutQueue(std::size_t data_budget) : budget_limit_(data_budget) {}

  void push_raw(std::span<const std::uint8_t> bytes);
  void push_control(protocol::FrameType type, std::uint32_t stream,
                    std::span<const std::uint8_t> payload = {});
  // `len` bytes of `payload`, read under a reservation of `reserved` bytes
  // (budget_try_reserve).
  void push_data(std::uint32_t stream, Block payload, std::uint16_t len, std::size_t reserved);
  // The same for `len` bytes held in the session's splice pipe
  // (splice_pipe.hpp), which the writer moves to the channel itself.
  void push_spliced(std::uint32_t stream, std::uint16_t len, std::size_t reserved);
  void push_fin(std::uint32_t stream);
  // A stream's RST also waits behind its queued data: bytes sent before a
  // reset must still arrive before it.
  void push_rst(std::uint32_t stream, protocol::ResetReason reason);

  bool empty() const noexcept { return control_.empty() && data_.empty(); }

  // Moves what is queued into a batch and returns its buffers; they stay
  // valid until batch_end(). A batch ends with the header of a spliced frame,
  // if it has one: batch_spliced() bytes from the splice pipe must follow
  // the buffers before anything else.
  const std::vector<boost::asio::const_buffer>& batch_begin();
  std::size_t batch_spliced() const noexcept { return batch_spliced_; }
  // Returns the data payload bytes the batch carried.
  std::size_t batch_end();

  // ---- data budget -------------------------------------------------------
  // A reservation is one chunk: what a stream reads at once, which follows
  // the channel's rate (channel_control.hpp). A whole 16 KiB block per
  // reservation would leave most of a slow line's small window reserved and
  // unused. A changed chunk applies to reservations made from then on; a
  // stream keeps the size it reserved (budget_chunk() when it got it).
  void set_chunk(std::size_t n) noexcept { chunk_ = std::clamp<std::size_t>(n, 1, kMaxChunk); }
  std::size_t budget_chunk() const noexcept { return chunk_; }
  // True: one chunk is reserved for `stream`. False: `stream` joined the
  // waiters and is granted later through budget_grant(). `sparse`: the
  // stream starts a new burst (a keystroke, a request): it goes ahead of the
  // streams that keep the budget busy and may pass the limit by one chunk,
  // so it waits behind nothing but what already left for the channel.
  bool budget_try_reserve(std::uint32_t stream, bool sparse = false);
  // A reservation of `reserved` bytes ended without data (nothing to read,
  // or the stream died).
  void budget_cancel(std::size_t reserved) noexcept { budget_used_ -= reserved; }
  // Grants waiting streams in FIFO order while the budget allows. `wake(id)`
  // returns false when the stream is gone (its turn passes on).
  template <typename Wake>
  void budget_grant(Wake wake) {
    while (!waiters_.empty() && budget_used_ + chunk_ <= budget_limit_) {
      const std::uint32_t id = waiters_.front();
      waiters_.pop_front();
      if (wake(id)) budget_used_ += chunk_;
    }
  }
  std::size_t budget_used() const noexcept { return budget_used_; }
  // The channel's window (channel_control.hpp) moves the limit; reservations
  // already made stand.
  void set_budget_limit(std::size_t limit) noexcept { budget_limit_ = limit; }
  // Everything waiting or reserved: control bytes plus the data budget in use.
  std::size_t backlog() const noexcept { return control_.size() + budget_used_; }

 private:
  struct DataFrame {
    std::array<std::uint8_t, protocol::kHeaderSize> header;
    Block payload;  // empty for FIN and RST
    std::uint16_t len;
    std::uint8_t inline_payload = 0;  // an RST's reason
    bool has_inline = false;
    bool spliced = false;  // the payload waits in the splice pipe
  };

  std::vector<std::uint8_t> control_;
  std::vector<std::uint8_t> control_inflight_;
  std::deque<DataFrame> data_;
  std::deque<DataFrame> data_inflight_;
  std::vector<boost::asio::const_buffer> buffers_;
  std::size_t batch_spliced_ = 0;

  std::size_t budget_limit_;
  std::size_t chunk_ = kChunk;
  std::size_t budget_used_ = 0;  // reserved + queued + in flight data bytes
  std::deque<std::uint32_t> waiters_;
};

}  // namespace tfunnel
