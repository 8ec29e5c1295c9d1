// Shows a running session's counters (session_stats.hpp) on stderr: on
// SIGUSR1 at any verbosity, and with -v every kInterval. It outlives
// sessions, as the client's --reconnect runs several: SIGUSR1 stays caught
// all along, so one that comes between two sessions is answered by the next
// instead of killing the process (its default action).
#pragma once

#include <chrono>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/log.hpp"

namespace tfunnel {

class Session;

class StatsReport {
 public:
  static constexpr std::chrono::seconds kInterval{5};

  StatsReport(boost::asio::any_io_executor ex, Logger& log);

  // Reports on `session` until unwatch(); the session must outlive that.
  void watch(const Session& session);
  // Cancels the waits, so that the io_context can run out of work.
  void unwatch() noexcept;

 private:
  void signal_wait();
  void tick_wait();

  boost::asio::signal_set usr1_;
  boost::asio::steady_timer tick_;
  Logger& log_;
  const Session* session_ = nullptr;
};

}  // namespace tfunnel
