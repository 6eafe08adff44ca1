#include "common/core/party/party_engine.h"

#include "common/core/party/party_states.h"

namespace mpcstats::core {

PartyContext::PartyContext(const Roster& roster_in, std::string self, InputSource input, RandomSource& random,
                           const Clock& clock_in, MeasureLinks measure_in, std::optional<SecAggIdentity> identity)
    : roster(&roster_in),
      protocol(roster_in, self, std::move(input)),
      rng(&random),
      clock(&clock_in),
      timer(clock_in),
      measure(std::move(measure_in)),
      secagg_identity(std::move(identity)) {
  self_id = std::move(self);
  for (const auto& party : roster_in.parties) {
    if (party.id != self_id) peers.push_back(party.id);
  }
}

PartyEngine::PartyEngine(const Roster& roster, std::string self_id, InputSource input, Outbox& outbox,
                         RandomSource& rng, const Clock& clock, MeasureLinks measure,
                         std::optional<SecAggIdentity> identity)
    : EngineBase(PartyContext(roster, std::move(self_id), std::move(input), rng, clock, std::move(measure),
                              std::move(identity)),
                 std::make_unique<party::AwaitStart>()) {
  context().outbox = &outbox;
  // First link: to the coordinator, before the run id exists.
  context().link_request = LinkRequest{.run_id = "", .peers = {std::string(kCoordinatorId)}};
}

std::unique_ptr<PartyEngine::StateT> PartyEngine::MakeFailedState() { return std::make_unique<party::Failed>(); }

}  // namespace mpcstats::core
