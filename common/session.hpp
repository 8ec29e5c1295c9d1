// The multiplexer: one channel (a byte pipe to the peer), the streams carried
// over it, and the three coroutines that move the channel's bytes (reader,
// writer, keepalive). Frames are decoded and dispatched here (bulk payloads
// from a pipe go by splice, session_splice_in.cpp); what a stream does with
// them is in tcp_stream.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/buffer_pool.hpp"
#include "common/channel_control.hpp"
#include "common/frame_reader.hpp"
#include "common/log.hpp"
#include "common/log_throttle.hpp"
#include "common/options.hpp"
#include "common/out_queue.hpp"
#include "common/protocol.hpp"
#include "common/splice_pipe.hpp"
#include "common/session_stats.hpp"
#include "common/stream.hpp"
#include "common/stream_ids.hpp"

namespace tfunnel {


struct SessionEnd {
  int status = 0;  // process exit status
  std::string reason;
};

class Session {
 public:
  // Bytes of data frames that may wait for the channel at once: enough for a
  // few frames per writev, small enough that an interactive stream's frame
  // never waits behind much.
  static constexpr std::size_t kDataBudget = 128 * 1024;
  // Bytes that may wait for the channel before datagrams are dropped.
  static constexpr std::size_t kDatagramBacklog = 2 * kDataBudget;
  // The splice pipe holds at most the data budget; its capacity counts slots
  // of as little as one segment each (splice_pipe.hpp), hence the margin.
  static constexpr std::size_t kSpliceCapacity = 1 << 20;
  // An ack rides with whatever the writer sends next (a pong, a credit, a
  // response's data); alone it waits until kAckDelay after the first byte
  // it counts, or goes at once when kAckBytes wait. Over ssh every frame
  // sent alone is a packet of its own and wakes ssh, sshd and the peer: one
  // ack per read made one such packet per 64 KiB of bulk data.
  static constexpr std::uint64_t kAckBytes = 256 * 1024;
  static constexpr std::chrono::microseconds kAckDelay{1000};

  Session(boost::asio::any_io_executor ex, protocol::Role role, const Options& options, Logger& log);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts the handshake and the channel coroutines on duplicates of the fds.
  void start(int in_fd, int out_fd);
  // Ends the session once: resets every stream, closes the channel.
  void stop(int status, std::string reason);
  bool stopped() const noexcept { return stopped_; }
  const SessionEnd& end() const noexcept { return end_; }

  std::function<void()> on_ready;  // handshake verified
  std::function<void(std::uint32_t, const protocol::FlowAddresses&)> on_open;      // proxy: TCP
  std::function<void(std::uint32_t, const protocol::FlowAddresses&)> on_udp_open;  // proxy: UDP
  std::function<void(const SessionEnd&)> on_end;

  // ---- streams -------------------------------------------------------------
  std::optional<std::uint32_t> stream_allocate_id();
  void stream_insert(std::uint32_t id, std::shared_ptr<Stream> stream);
  void stream_erase(std::uint32_t id) noexcept;
  std::size_t stream_count() const noexcept { return streams_.size(); }

  // ---- sending, for streams ------------------------------------------------
  void send_control(protocol::FrameType type, std::uint32_t stream,
                    std::span<const std::uint8_t> payload = {});
  void send_data(std::uint32_t stream, Block payload, std::uint16_t len, std::size_t reserved);
  // Moves up to `max` bytes from `socket_fd` straight into the channel's
  // queue as one data frame (splice_pipe.hpp): bytes moved, 0 at end of
  // stream, -1 with errno; -1 with EAGAIN also when splicing is off or the
  // pipe is full, so the caller reads the usual way then.
  ssize_t send_spliced(std::uint32_t stream, int socket_fd, std::size_t max, std::size_t reserved);
  void send_fin(std::uint32_t stream);
  void send_rst(std::uint32_t stream, protocol::ResetReason reason);
  // Datagrams never wait: when the channel's backlog is full they are dropped
  // and counted, as a congested network would. False: dropped.
  bool send_datagram(std::uint32_t stream, std::span<const std::uint8_t> datagram);
  std::uint64_t datagrams_dropped() const noexcept { return stats_.datagrams_dropped; }
  bool budget_try_reserve(std::uint32_t stream, bool sparse) { return out_.budget_try_reserve(stream, sparse); }
  // The size of a reservation made or granted now: the most a stream reads.
  std::size_t budget_chunk() const noexcept { return out_.budget_chunk(); }
  void budget_cancel(std::size_t reserved) noexcept;

  // Bytes received for streams and not yet taken by their local sockets,
  // bounded by --max-buffer: false when `n` more would pass it.
  bool buffered_reserve(std::size_t n) noexcept {
    if (n > options_.max_buffer - buffered_) return false;
    buffered_ += n;
    return true;
  }
  void buffered_release(std::size_t n) noexcept { buffered_ -= n; }
  std::size_t buffered() const noexcept { return buffered_; }
  LogThrottle& limit_log() noexcept { return limit_log_; }
  // The channel's base round trip (0 before the first sample).
  ChannelControl::Clock::duration channel_rtt() const noexcept { return control_.base_rtt(); }

  // Counters streams bump for what only they see (session_stats.hpp).
  SessionStats& stats() noexcept { return stats_; }
  const SessionStats& stats() const noexcept { return stats_; }
  // The counters and the state of the moment, as one line.
  std::string stats_line() const;

  BufferPool& pool() noexcept { return pool_; }
  // Scratch space for one whole datagram, shared by every UDP flow.
  std::span<std::uint8_t> datagram_buffer() noexcept { return datagram_buffer_; }
  Logger& log() const noexcept { return log_; }
  const Options& options() const noexcept { return options_; }
  boost::asio::any_io_executor executor() const { return executor_; }

 private:
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<boost::system::error_code> write_spliced(std::size_t n);
  // session_splice_in.cpp
  boost::asio::awaitable<bool> splice_in(const protocol::FrameHeader& h);
  void rest_feed();
  std::size_t bulk_read_size() const noexcept;
  boost::asio::awaitable<void> keepalive_loop();
  void spawn(boost::asio::awaitable<void> task, const char* name);
  // Why a stream refused a frame of this type (its handler returned false).
  static const char* refusal_text(protocol::FrameType t);

  bool handshake_receive();
  void dispatch(const protocol::Frame& f);
  void dispatch_open(const protocol::Frame& f);
  void dispatch_stream(const protocol::Frame& f, Stream& s);
  void violation(const char* what, const protocol::Frame& f);
  void writer_wake() noexcept;
  // What the writer waits for when it has nothing to send: a wake, or a
  // waiting ack's due time.
  boost::asio::awaitable<void> writer_idle();
  void budget_grant();
  // The data budget follows the channel's window (what may still be in flight).
  void budget_follow_window();
  void rtt_ping_maybe();
  void on_pong(std::uint64_t sent_ns);

  boost::asio::any_io_executor executor_;
  protocol::Role role_;
  const Options& options_;
  Logger& log_;

  boost::asio::posix::stream_descriptor in_;
  boost::asio::posix::stream_descriptor out_fd_;
  FrameReader reader_;
  BufferPool pool_;  // before out_: queued blocks return to it on destruction
  OutQueue out_;
  SplicePipe splice_;  // payloads on their way from sockets to out_fd_
  // Bulk data received through a channel that is a pipe: after one big data
  // frame, headers are read alone and each payload goes by splice(2) from
  // the channel into its stream's socket, not through the reader's buffer.
  // Small frames between big ones (a burst's first read, acks, credits) keep
  // the mode for a while; kBulkFrames small ones in a row end it.
  static constexpr std::size_t kSpliceInMin = 16384;
  static constexpr unsigned kBulkFrames = 8;
  bool splice_in_ = false;         // the channel's input is a pipe
  unsigned bulk_in_ = 0;           // small frames left before reads are whole again
  std::uint32_t rest_stream_ = 0;  // a spliced frame's payload still to read
  std::size_t rest_ = 0;           // normally, when its socket fell behind
  std::vector<std::uint8_t> datagram_buffer_;
  boost::asio::steady_timer writer_signal_;
  bool writer_waiting_ = false;
  boost::asio::steady_timer keepalive_timer_;
  std::chrono::steady_clock::time_point last_received_;

  bool handshake_done_ = false;
  bool stopped_ = false;
  SessionEnd end_;
  SessionStats stats_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  ChannelControl control_;
  std::uint64_t received_total_ = 0;  // data payload bytes from the peer
  std::uint64_t ack_sent_ = 0;        // the last count acknowledged to it
  std::chrono::steady_clock::time_point ack_due_{};  // the epoch: no ack waits
  bool ack_waiting() const noexcept { return ack_due_ != std::chrono::steady_clock::time_point{}; }
  void ack_note();  // after a read: sends the ack, or sets when it must go
  void ack_push();  // queues it now, if there is anything to acknowledge
  // One round-trip ping at a time while data is in flight.
  bool rtt_ping_outstanding_ = false;
  std::uint64_t rtt_ping_ns_ = 0;
  std::size_t used_ = 0;  // most outstanding since the last round-trip sample
  std::size_t buffered_ = 0;
  LogThrottle limit_log_;
  // The channel fds' flags before us: our duplicates share them with the
  // inherited stdin/stdout, whose O_NONBLOCK must not outlive us.
  int in_flags_ = -1;
  int out_flags_ = -1;

  std::unordered_map<std::uint32_t, std::shared_ptr<Stream>> streams_;
  StreamIds ids_;
};

}  // namespace tfunnel
