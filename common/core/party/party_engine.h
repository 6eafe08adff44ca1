// The party's side of a run as a state machine. Rounds, one file each:
//   await_start.cc      the coordinator's Start: check the run, build our input (policy checks)
//   share_rounds.cc     seeded: one AES key to each peer, one from each; full: share chunks both
//                       ways, streamed
//   send_partial_sum.cc the partial sum to the coordinator, chunk by chunk, then our Metrics
//   await_verdict.cc    Done (the run succeeded) or Abort; and the end states
// Everything random (share vectors, AES keys) comes from the injected RandomSource, all time from
// the injected Clock. The ring arithmetic is PartyProtocol's (party_protocol.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/core/clock.h"
#include "common/core/engine/engine_base.h"
#include "common/core/party_protocol.h"
#include "common/core/phase_timer.h"
#include "common/core/roster.h"
#include "common/core/secure_random.h"

namespace mpcstats::core {

// Sizes and times of this process's links, filled in by whoever owns them (the pump).
using MeasureLinks = std::function<wire::Metrics()>;

struct PartyContext : EngineContext {
  PartyContext(const Roster& roster, std::string self, InputSource input, RandomSource& random, const Clock& clock,
               MeasureLinks measure);

  const Roster* roster;
  PartyProtocol protocol;
  RandomSource* rng;
  const Clock* clock;
  PhaseTimer timer;
  MeasureLinks measure;
  std::vector<std::string> peers;  // every other party, in roster order
  size_t next_chunk = 0;           // of the vector being streamed out
  double summing_seconds = 0;
  std::optional<Status> verdict;   // the coordinator's Abort after our own failure
};

class PartyEngine final : public EngineBase<PartyContext> {
 public:
  PartyEngine(const Roster& roster, std::string self_id, InputSource input, Outbox& outbox, RandomSource& rng,
              const Clock& clock = SystemSteadyClock(), MeasureLinks measure = {});

 private:
  std::unique_ptr<StateT> MakeFailedState() override;
};

}  // namespace mpcstats::core
