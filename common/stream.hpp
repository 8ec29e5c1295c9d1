// What the multiplexer knows of a stream: the frames it can take. TCP
// connections (tcp_stream.hpp) and UDP flows (udp_flow.hpp) implement it; a
// frame a kind of stream cannot take is a protocol violation (false).
#pragma once

#include <cstdint>
#include <span>

#include "common/protocol.hpp"

namespace tfunnel {

enum class StreamKind { tcp, udp };

class Stream {
 public:
  Stream(std::uint32_t id, StreamKind kind) : id_(id), kind_(kind) {}
  virtual ~Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  std::uint32_t id() const noexcept { return id_; }
  StreamKind kind() const noexcept { return kind_; }
  // The window the stream grants its peer now (0: no flow control).
  virtual std::uint32_t receive_window() const noexcept { return 0; }

  virtual bool on_opened() { return false; }
  virtual bool on_data(std::span<const std::uint8_t>) { return false; }
  // A data frame whose payload the session splices from the channel into the
  // stream's socket (session.cpp): its header first (false: the peer broke
  // the protocol, as for on_data), then the payload in parts, each either
  // taken from the channel's buffer or spliced into splice_fd().
  virtual bool on_data_begin(std::uint32_t) { return false; }
  virtual void on_data_part(std::span<const std::uint8_t>) {}
  // `whole`: the splice took all of the payload that was left.
  virtual void on_data_spliced(std::size_t, bool /*whole*/) {}
  // The socket that may take spliced payload now, or -1.
  virtual int splice_fd() noexcept { return -1; }
  virtual bool on_credit(std::uint32_t) { return false; }
  virtual bool on_fin() { return false; }
  virtual bool on_datagram(std::span<const std::uint8_t>) { return false; }
  virtual bool on_unreachable(protocol::Unreachable) { return false; }
  virtual void on_rst(protocol::ResetReason reason) = 0;
  // The budget to read one chunk was granted (see OutQueue).
  virtual void on_budget_granted() {}
  // Ends the stream locally without telling the peer (session end).
  virtual void abort_local() noexcept = 0;

 private:
  std::uint32_t id_;
  StreamKind kind_;
};

}  // namespace tfunnel
