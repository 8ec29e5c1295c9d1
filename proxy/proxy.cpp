#include "proxy/proxy.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "common/capabilities.hpp"
#include "common/log.hpp"
#include "common/session.hpp"
#include "proxy/tcp_connector.hpp"
#include "proxy/udp_connector.hpp"

namespace tfunnel {

namespace asio = boost::asio;

int proxy_run(const Options& options, int channel_in, int channel_out) {
  Logger log("proxy", options.verbosity);
  capabilities_drop_all(log);
  // One thread runs everything: no locking in the scheduler or reactor.
  asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
  Session session(io.get_executor(), protocol::Role::proxy, options, log);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) session.stop(0, std::string("signal ") + std::to_string(sig));
  });
  session.on_open = [&](std::uint32_t id, const protocol::FlowAddresses& flow) {
    tcp_connector_open(session, id, flow);
  };
  session.on_udp_open = [&](std::uint32_t id, const protocol::FlowAddresses& flow) {
    udp_connector_open(session, id, flow);
  };
  session.on_end = [&](const SessionEnd& end) {
    signals.cancel();
    if (end.status == 0) LOG_I(log, "exiting: %s", end.reason.c_str());
    else LOG_E(log, "exiting: %s", end.reason.c_str());
  };
  session.start(channel_in, channel_out);
  io.run();
  return session.end().status;
}

}  // namespace tfunnel
