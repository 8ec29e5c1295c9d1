// The client's TCP side: a dual-stack TPROXY listener. Every connection the
// firewall diverts to it arrives with the original destination as its local
// address; each becomes a stream of the session.
#pragma once

#include <cstdint>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/log.hpp"
#include "common/options.hpp"

namespace tfunnel {

class Session;

class TproxyListener {
 public:
  // Throws std::runtime_error with a message that says what to fix.
  TproxyListener(boost::asio::any_io_executor ex, const Options& options, Logger& log);

  boost::asio::awaitable<void> accept_loop(Session& session);
  // Ends the loop above; the socket stays open for the next session.
  void cancel() noexcept;
  void close() noexcept;

 private:
  void listener_open(const Options& options);
  void relay(boost::asio::ip::tcp::socket socket, Session& session);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  std::uint16_t port_;
  Logger& log_;
};

}  // namespace tfunnel
