// Privileges after start-up: of whatever the process was given (root, or file
// capabilities), each role keeps only what relaying needs, so that a bug in
// it cannot be used to do anything else a root process could.
#pragma once

#include "common/log.hpp"

namespace tfunnel {

// Client: keeps CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE (those the
// process has) in its permitted and effective sets and drops every other
// capability; warns about each of the three it lacks and what will not work
// without it. Commands it execs (the transport) get what exec gives them.
void capabilities_keep_client(Logger& log);
// Proxy: needs none; drops whatever it has (a proxy started as root).
void capabilities_drop_all(Logger& log);

}  // namespace tfunnel
