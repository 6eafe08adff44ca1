// Socket activation, as systemd does it (sd_listen_fds(3)): a supervisor that bound a listening
// port itself passes it as fd 3, 4, ... with LISTEN_FDS=<count> and LISTEN_PID=<our pid>. The
// end-to-end tests use it: they bind every roster port before writing the roster and hand each
// socket to its process, so no port is ever picked, released and hoped to be free again.
#pragma once

#include <cstdint>

namespace mpcstats::net {

// Takes the inherited TCP socket bound to `port`: returns its fd (now close-on-exec, never
// returned again), or -1 if none was passed to this process. The LISTEN_* variables are removed
// from the environment on the first call, so they are never read twice.
int TakeInheritedListener(uint16_t port);

}  // namespace mpcstats::net
