#include "common/stats_report.hpp"

#include <csignal>

#include "common/session.hpp"

namespace tfunnel {

StatsReport::StatsReport(boost::asio::any_io_executor ex, Logger& log) : usr1_(ex, SIGUSR1), tick_(ex), log_(log) {}

void StatsReport::watch(const Session& session) {
  session_ = &session;
  signal_wait();
  if (log_.enabled(Logger::info)) tick_wait();
}

void StatsReport::unwatch() noexcept {
  session_ = nullptr;
  boost::system::error_code ec;
  usr1_.cancel(ec);
  tick_.cancel();
}

// Notice level: asked for, so it shows without -v.
void StatsReport::signal_wait() {
  usr1_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec || !session_) return;
    LOG_N(log_, "stats: %s", session_->stats_line().c_str());
    signal_wait();
  });
}

void StatsReport::tick_wait() {
  tick_.expires_after(kInterval);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !session_) return;
    LOG_I(log_, "stats: %s", session_->stats_line().c_str());
    tick_wait();
  });
}

}  // namespace tfunnel
