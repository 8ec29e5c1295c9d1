// What the multiplexer knows of a stream: the frames it can take. TCP
// connections (tcp_stream.hpp) and UDP flows (udp_flow.hpp) implement it; a
// frame a kind of stream cannot take is a protocol violation (false).
#pragma once

#include <cstdint>
#include <span>

#include "common/protocol.hpp"

namespace tfunnel {

class Stream {
 public:
  explicit Stream(std::uint32_t id) : id_(id) {}
  virtual ~Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  std::uint32_t id() const noexcept { return id_; }

  virtual bool on_opened() { return false; }
  virtual bool on_data(std::span<const std::uint8_t>) { return false; }
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
};

}  // namespace tfunnel
