#include "client/client.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/tproxy_listener.hpp"
#include "client/remote_bootstrap.hpp"
#include "client/transport.hpp"
#include "client/udp_front.hpp"
#include "common/capabilities.hpp"
#include "common/log.hpp"
#include "common/session.hpp"
#include "common/stats_report.hpp"

namespace tfunnel {

namespace asio = boost::asio;

namespace {

bool file_read(const char* path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return in.good() || in.eof() ? !out.empty() : false;
}

// Pauses between transport restarts (--reconnect): doubling, capped, and back
// to the first once a channel came up.
constexpr std::chrono::seconds kFirstRetry{1};
constexpr std::chrono::seconds kMaxRetry{32};

// The TPROXY sockets outlive sessions: with --reconnect, connections that
// arrive while the channel is down wait in the kernel for the next one.
class Client {
 public:
  Client(const Options& options, Logger& log)
      : options_(options),
        log_(log),
        dns_(options, log),
        listener_(io_.get_executor(), options, dns_, log),
        udp_(io_.get_executor(), options, dns_, log) {
    capabilities_keep_client(log);
  }

  int run(int channel_in, int channel_out) {
    if (options_.command.empty() && options_.remote.empty()) return session_run(channel_in, channel_out).status;
    std::string binary;
    std::vector<std::string> command = options_.command;
    if (!options_.remote.empty()) {
      if (!file_read("/proc/self/exe", binary)) {
        end_log({1, "--remote: cannot read its own binary to send it"});
        return 1;
      }
      command = remote_command(options_, binary.size());
    }
    auto retry = kFirstRetry;
    for (;;) {
      Transport transport(command);
      std::string error;
      SessionEnd end;
      bool was_ready = false;
      if (!transport.start(error)) {
        end = {127, "transport: " + error};
      } else {
        LOG_I(log_, "transport: started %s (pid %d)", command[0].c_str(), static_cast<int>(transport.pid()));
        if (!options_.remote.empty() && !remote_bootstrap(transport.in_fd(), transport.out_fd(), binary, log_, error))
          end = {1, error};
        else
          end = session_run(transport.in_fd(), transport.out_fd(), &was_ready);
        const TransportExit exit = transport.finish();
        if (!interrupted_) {
          end.reason += "; " + command[0] + " " + exit.text;
          // The command's own failure says most: ssh's 255, a signal.
          if (exit.status != 0) end.status = exit.status;
        }
      }
      if (interrupted_ || !options_.reconnect) {
        end_log(end);
        return end.status;
      }
      if (was_ready) retry = kFirstRetry;
      LOG_W(log_, "channel ended: %s; restarting in %lld s", end.reason.c_str(),
            static_cast<long long>(retry.count()));
      if (!pause(retry)) {
        end_log({0, "interrupted while waiting to reconnect"});
        return 0;
      }
      retry = std::min(retry * 2, kMaxRetry);
    }
  }

 private:
  // One session on the channel, until it ends. `ready`: the handshake passed.
  SessionEnd session_run(int in, int out, bool* ready = nullptr) {
    Session session(io_.get_executor(), protocol::Role::client, options_, log_);
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      interrupted_ = true;
      session.stop(0, std::string("signal ") + std::to_string(sig));
    });
    session.on_ready = [&] {
      if (ready) *ready = true;
      asio::co_spawn(io_, listener_.accept_loop(session), asio::detached);
      asio::co_spawn(io_, udp_.receive_loop(session), asio::detached);
    };
    session.on_end = [&](const SessionEnd&) {
      listener_.cancel();
      udp_.cancel();
      signals.cancel();
      report_.unwatch();
    };
    report_.watch(session);
    session.start(in, out);
    io_.restart();
    io_.run();
    if (options_.command.empty() && options_.remote.empty()) end_log(session.end());
    return session.end();
  }

  // Sleeps `d` unless SIGINT/SIGTERM comes first (false).
  bool pause(std::chrono::seconds d) {
    asio::steady_timer timer(io_, d);
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    bool done = false;
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) done = true;
      signals.cancel();
    });
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (!ec) interrupted_ = true;
      timer.cancel();
    });
    io_.restart();
    io_.run();
    return done && !interrupted_;
  }

  void end_log(const SessionEnd& end) {
    if (end.status == 0) LOG_N(log_, "exiting: %s", end.reason.c_str());
    else LOG_E(log_, "exiting: %s", end.reason.c_str());
  }

  const Options& options_;
  Logger& log_;
  // One thread runs everything: no locking in the scheduler or reactor.
  asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  // First: SIGUSR1 is caught from the start (stats_report.hpp).
  StatsReport report_{io_.get_executor(), log_};
  DnsCapture dns_;
  TproxyListener listener_;
  UdpFront udp_;
  bool interrupted_ = false;
};

}  // namespace

int client_run(const Options& options, int channel_in, int channel_out) {
  Logger log("client", options.verbosity);
  std::unique_ptr<Client> client;
  try {
    client = std::make_unique<Client>(options, log);
  } catch (const std::exception& e) {
    LOG_E(log, "%s", e.what());
    return 1;
  }
  return client->run(channel_in, channel_out);
}

}  // namespace tfunnel
