// The coordinator's side of a run as a state machine. Rounds, one file each:
//   announce.cc   every party is connected: Start (the run id, drawn from the RandomSource, and
//                 what the run computes) goes to each
//   collect.cc    every party's partial sum (chunk by chunk) and then its Metrics; the last
//                 partial sum reveals, checks and decodes the totals; Done only after all of it
//   (end states in collect.cc)
// Protocol secagg instead of collect.cc (the parties talk only to us; a round closes when every
// expected party answered, or on the deadline or a lost link, and who has not answered dropped):
//   secagg_round.cc           what every secagg round shares (drops, deadlines, Metrics)
//   secagg_advertise_keys.cc  the parties' signed keys, relayed as one list to all
//   secagg_share_keys.cc      their sealed shares, routed to each recipient
//   secagg_masked_input.cc    their masked inputs, added into one running sum
//   secagg_unmasking.cc       one secret per peer from each survivor; masks removed, result
//                             published and sent to every included party
// The ring arithmetic is CoordinatorProtocol's (coordinator_protocol.h); decoding per workload
// is run_result.h's.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/core/clock.h"
#include "common/core/coordinator/run_result.h"
#include "common/core/coordinator_protocol.h"
#include "common/core/engine/engine_base.h"
#include "common/core/phase_timer.h"
#include "common/core/query_plan.h"
#include "common/core/roster.h"
#include "common/core/secagg_coordinator.h"
#include "common/core/secure_random.h"

namespace mpcstats::core {

struct CoordinatorContext : EngineContext {
  CoordinatorContext(const Roster& roster, RunParameters parameters, std::shared_ptr<const QueryPlan> plan,
                     const Clock& clock);

  const Roster* roster;
  RunParameters parameters;
  std::shared_ptr<const QueryPlan> plan;  // workload query: how to read the totals
  CoordinatorProtocol protocol;
  PhaseTimer timer;
  bool summing_started = false;    // some party's first partial-sum chunk arrived
  std::set<std::string> summed;    // parties whose whole partial sum arrived
  std::set<std::string> reported;  // parties whose Metrics arrived
  bool revealed = false;
  RunResult result;
  std::unique_ptr<SecAggCoordinator> secagg;  // protocol secagg, from Start on
  ResultRenderer render;  // secagg: the result sent to the parties (unset: an empty result)
};

class CoordinatorEngine final : public EngineBase<CoordinatorContext> {
 public:
  CoordinatorEngine(const Roster& roster, RunParameters parameters, std::shared_ptr<const QueryPlan> plan,
                    Outbox& outbox, RandomSource& rng, const Clock& clock = SystemSteadyClock());

  // After success: the decoded result and every party's metrics.
  RunResult& result() { return context().result; }
  std::map<std::string, double> PhaseSeconds() const { return context().timer.Seconds(); }

 private:
  std::unique_ptr<StateT> MakeFailedState() override;
};

// A run id: 16 bytes from `rng`, in hex.
std::string NewRunId(RandomSource& rng);

}  // namespace mpcstats::core
