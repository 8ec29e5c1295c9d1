#include "proxy/proxy.hpp"

#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "common/capabilities.hpp"
#include "common/log.hpp"
#include "common/resolv_conf.hpp"
#include "common/session.hpp"
#include "common/stats_report.hpp"
#include "proxy/tcp_connector.hpp"
#include "proxy/udp_connector.hpp"

namespace tfunnel {

namespace asio = boost::asio;

int proxy_run(const Options& options, int channel_in, int channel_out) {
  Logger log("proxy", options.verbosity);
  capabilities_drop_all(log);
  // One thread runs everything: no locking in the scheduler or reactor.
  asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
  StatsReport report(io.get_executor(), log);
  Session session(io.get_executor(), protocol::Role::proxy, options, log);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) session.stop(0, std::string("signal ") + std::to_string(sig));
  });
  // --dns on the client: its queries are answered by this host's resolver.
  const auto resolvers = resolv_conf_nameservers(options.resolv_conf);
  const auto aimed = [&](std::uint32_t id, protocol::FlowAddresses flow) -> std::optional<protocol::FlowAddresses> {
    if (!flow.to_resolver) return flow;
    if (resolvers.empty()) {
      LOG_W(log, "stream %u: a DNS query, but no nameserver in %s", id, options.resolv_conf.c_str());
      session.send_rst(id, protocol::ResetReason::unreachable);
      return std::nullopt;
    }
    flow.dst = resolvers.front();
    flow.dst_port = 53;
    return flow;
  };
  session.on_open = [&](std::uint32_t id, const protocol::FlowAddresses& flow) {
    if (const auto f = aimed(id, flow)) tcp_connector_open(session, id, *f);
  };
  session.on_udp_open = [&](std::uint32_t id, const protocol::FlowAddresses& flow) {
    if (const auto f = aimed(id, flow)) udp_connector_open(session, id, *f);
  };
  session.on_end = [&](const SessionEnd& end) {
    signals.cancel();
    report.unwatch();
    if (end.status == 0) LOG_I(log, "exiting: %s", end.reason.c_str());
    else LOG_E(log, "exiting: %s", end.reason.c_str());
  };
  report.watch(session);
  session.start(channel_in, channel_out);
  io.run();
  return session.end().status;
}

}  // namespace tfunnel
