// Checks shared by the fault and hostile-peer tests: log lines with reason codes, the common end
// of a failed run, and waits for a process to reach a point of the protocol (from /proc, without
// probing the process under test).
#pragma once

#include <chrono>
#include <set>
#include <string>

#include "tests/e2e/cluster.h"

namespace mpcstats::e2e {

// A line of `log` that contains both `code` and `who` (empty `who`: any line with `code`).
bool HasLine(const std::string& log, const std::string& code, const std::string& who = "");

// A line with any reason code from the fixed list (ReasonCodes()) that names `who`.
bool HasReasonLine(const std::string& log, const std::string& who);

// True if `log` shows a crash the exit code may hide (sanitizer report, uncaught exception).
bool ShowsCrash(const std::string& log);

// The common end of every failed run: within the cap (2 x timeout + 10 s) everything has ended,
// and each process, counted from its own start, gave up within timeout + 5 s (TESTING.md), with
// a non-zero exit code and not by a signal; no run.json (not even a temporary file) in the
// coordinator's output; no listener left. Processes in `killed_by_test` are not held to this.
void ExpectFailedRun(Cluster& cluster, const std::set<std::string>& killed_by_test = {});

// True once something listens on `port` (within `timeout`).
bool WaitUntilListening(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(3));

// Waits (up to 3 s) until the coordinator has admitted process `name` (TLS handshake, Hello and
// HelloAck done: the coordinator logs "<name> connected from ..."). A fatal test failure if it
// never gets there. For a run that goes on: `name` may have finished and exited by the return.
void WaitAdmittedByCoordinator(const Cluster& cluster, const std::string& name);

// WaitAdmittedByCoordinator, and then `name` still holds that TCP connection. Only for a run
// that cannot finish yet (a party it waits for is not started or stopped).
void WaitConnectedToCoordinator(Cluster& cluster, const std::string& name);

// Waits until `name`'s log has a line with `code` (and `who`, if not empty); true if it came
// within `timeout`.
bool WaitForLogLine(const Cluster& cluster, const std::string& name, const std::string& code,
                    const std::string& who, std::chrono::milliseconds timeout);

}  // namespace mpcstats::e2e
