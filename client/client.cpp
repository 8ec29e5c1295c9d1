#include "client/client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "client/tproxy_listener.hpp"
#include "client/udp_front.hpp"
#include "common/log.hpp"
#include "common/session.hpp"

namespace tfunnel {

namespace asio = boost::asio;

int client_run(const Options& options, int channel_in, int channel_out) {
  Logger log("client", options.verbosity);
  // One thread runs everything: no locking in the scheduler or reactor.
  asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
  std::unique_ptr<TproxyListener> listener;
  std::unique_ptr<UdpFront> udp;
  try {
    listener = std::make_unique<TproxyListener>(io.get_executor(), options, log);
    udp = std::make_unique<UdpFront>(io.get_executor(), options, log);
  } catch (const std::exception& e) {
    LOG_E(log, "%s", e.what());
    return 1;
  }
  Session session(io.get_executor(), protocol::Role::client, options, log);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) session.stop(0, std::string("signal ") + std::to_string(sig));
  });
  session.on_ready = [&] {
    asio::co_spawn(io, listener->accept_loop(session), asio::detached);
    asio::co_spawn(io, udp->receive_loop(session), asio::detached);
  };
  session.on_end = [&](const SessionEnd& end) {
    listener->close();
    udp->close();
    signals.cancel();
    if (end.status == 0) LOG_N(log, "exiting: %s", end.reason.c_str());
    else LOG_E(log, "exiting: %s", end.reason.c_str());
  };
  session.start(channel_in, channel_out);
  io.run();
  return session.end().status;
}

}  // namespace tfunnel
