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
#include "common/log_throttle.hpp"
#include "common/options.hpp"

namespace tfunnel {

class Session;

class TproxyListener {
 public:
  // Throws std::runtime_error with a message that says what to fix.
  TproxyListener(boost::asio::any_io_executor ex, const Options& options, Logger& log);
  ~TproxyListener();
  TproxyListener(const TproxyListener&) = delete;
  TproxyListener& operator=(const TproxyListener&) = delete;

  boost::asio::awaitable<void> accept_loop(Session& session);
  // Ends the loop above; the socket stays open for the next session.
  void cancel() noexcept;
  void close() noexcept;

 private:
  void listener_open(const Options& options);
  bool refuse_one_without_descriptors();
  void relay(boost::asio::ip::tcp::socket socket, Session& session);
  void refuse(boost::asio::ip::tcp::socket& socket, const char* why);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  std::uint16_t port_;
  std::size_t max_streams_;
  Logger& log_;
  // Held so that, out of descriptors, one can be freed to accept and reset a
  // waiting connection instead of leaving it hanging in the backlog.
  int spare_fd_ = -1;
  std::uint64_t refused_ = 0;
  LogThrottle refuse_log_;
};

}  // namespace tfunnel
