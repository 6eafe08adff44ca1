// Wall time per protocol phase, from steady_clock.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "common/core/clock.h"

namespace mpcstats::core {

class PhaseTimer {
 public:
  explicit PhaseTimer(const Clock& clock = SystemSteadyClock())
      : clock_(&clock), run_start_(clock.Now()), phase_start_(run_start_) {}

  // Ends the current phase under `name` and starts the next one.
  void EndPhase(const std::string& name) {
    const auto now = clock_->Now();
    seconds_[name] += std::chrono::duration<double>(now - phase_start_).count();
    phase_start_ = now;
  }
  // Adds time measured separately (work interleaved with another phase).
  void Record(const std::string& name, double seconds) { seconds_[name] += seconds; }
  // Starts timing a new phase without recording the time since the last one.
  void Restart() { phase_start_ = clock_->Now(); }
  // Phases so far plus "total" (since construction).
  std::map<std::string, double> Seconds() const {
    auto out = seconds_;
    out["total"] = std::chrono::duration<double>(clock_->Now() - run_start_).count();
    return out;
  }

 private:
  const Clock* clock_;
  Clock::time_point run_start_;
  Clock::time_point phase_start_;
  std::map<std::string, double> seconds_;
};

// Phase names used in metrics and run.json.
inline constexpr const char* kPhaseConnect = "connect_handshake";
inline constexpr const char* kPhaseShares = "share_distribution";
inline constexpr const char* kPhaseSumming = "local_summing";
inline constexpr const char* kPhaseAggregation = "aggregation";

}  // namespace mpcstats::core
