// One relayed TCP connection on one side of the tunnel: the local socket (the
// application's on the client, the destination's on the proxy) and the
// stream's half of the flow control.
//
// Two coroutines move bytes: pump_out reads the socket into data frames when
// the stream has credit and the channel has budget; drain writes bytes that
// the socket could not take at once, and only runs while there are some.
// Neither runs while the stream is idle: pump_out ends at EAGAIN and a plain
// handler on the socket's readiness starts it again (read_wait_start). An
// idle stream therefore holds no buffer and no coroutine frame.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/byte_queue.hpp"
#include "common/flow.hpp"
#include "common/protocol.hpp"
#include "common/stream.hpp"

namespace tfunnel {

class Session;

class TcpStream : public Stream, public std::enable_shared_from_this<TcpStream> {
 public:
  // `connected` false: the proxy is still connecting `socket`; bytes that
  // arrive meanwhile wait in the stream, within its window.
  TcpStream(Session& session, std::uint32_t id, boost::asio::ip::tcp::socket socket, bool connected);

  boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }
  bool closed() const noexcept { return closed_; }

  // Starts relaying; on the proxy, once the connect succeeded.
  void start();

  // ---- frames from the peer (false: the peer broke the protocol) ----------
  bool on_opened() override;
  bool on_data(std::span<const std::uint8_t> payload) override;
  bool on_data_begin(std::uint32_t len) override;
  void on_data_part(std::span<const std::uint8_t> bytes) override;
  void on_data_spliced(std::size_t n, bool whole) override;
  int splice_fd() noexcept override;
  bool on_credit(std::uint32_t increment) override;
  bool on_fin() override;
  void on_rst(protocol::ResetReason reason) override;

  void on_budget_granted() override;
  std::uint32_t receive_window() const noexcept override { return flow_.recv_window_size; }

  // Aborts the stream: tells the peer why, resets the local socket.
  void fail(protocol::ResetReason reason);
  // Resets the local socket without telling the peer (session end).
  void abort_local() noexcept override;

 private:
  boost::asio::awaitable<void> pump_out();
  void read_wait_start();
  boost::asio::awaitable<void> drain();
  void watch_start();
  boost::asio::awaitable<void> watch_reset();
  // Our own shutdown and close also wake the watch; a few wakeups suffice.
  static constexpr int kMaxWatchWakeups = 8;
  static constexpr std::size_t kSparseRead = 4096;
  boost::asio::awaitable<bool> wait_until(bool (TcpStream::*ready)() const);
  bool has_credit() const noexcept { return flow_.send_window > 0; }
  bool has_budget() const noexcept { return budget_granted_; }
  void write_now(std::span<const std::uint8_t> payload);
  // pending_ within the session's --max-buffer; past it the stream is reset.
  void pending_append(std::span<const std::uint8_t> bytes);
  void pending_consume(std::size_t n);
  void written(std::size_t n, bool keeping_up);
  void drain_start();
  void shutdown_write();
  void finish_if_done();
  void wake() noexcept;

  Session& session_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer signal_;  // wakes pump_out: credit or budget arrived
  StreamFlow flow_;
  ByteQueue pending_;  // received, not yet written to the socket

  bool connected_;
  bool opened_received_ = false;  // client: the proxy's opened arrived
  bool budget_granted_ = false;
  std::uint16_t reserved_ = 0;  // bytes of the budget held (a read's most)
  bool draining_ = false;
  bool watching_ = false;  // watch_reset runs
  bool fin_sent_ = false;      // local read side done, FIN queued to the peer
  bool fin_received_ = false;  // the peer sent FIN
  bool shut_down_ = false;     // FIN passed on to the local socket
  bool closed_ = false;
};

}  // namespace tfunnel
