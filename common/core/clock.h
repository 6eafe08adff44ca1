// Time as the protocol engines see it: injected, so tests can run a whole protocol on a fake
// clock, and steady (never wall time) in the processes.
#pragma once

#include <chrono>

namespace mpcstats::core {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point Now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  time_point Now() const override { return std::chrono::steady_clock::now(); }
};

// The process-wide steady clock (stateless, so one instance serves everyone).
inline const Clock& SystemSteadyClock() {
  static const SteadyClock clock;
  return clock;
}

}  // namespace mpcstats::core
