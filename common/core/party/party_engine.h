// The party's side of a run as a state machine. Rounds, one file each:
//   await_start.cc      the coordinator's Start: check the run, build our input (policy checks)
//   share_rounds.cc     seeded: one AES key to each peer, one from each; full: share chunks both
//                       ways, streamed
//   send_partial_sum.cc the partial sum to the coordinator, chunk by chunk, then our Metrics
//   await_verdict.cc    Done (the run succeeded) or Abort; and the end states
// Protocol secagg instead of the share rounds and the partial sum (only the coordinator link):
//   secagg_advertise_keys.cc  fresh signed keys to the coordinator
//   secagg_share_keys.cc      the relayed key list checked; sealed Shamir shares of our secrets
//   secagg_masked_input.cc    our shares opened; the masked input, chunk by chunk; our Metrics
//   secagg_unmasking.cc       one secret per peer; then the published result (SecAggResult)
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
#include "common/core/secagg_identity.h"
#include "common/core/secagg_party.h"
#include "common/core/secure_random.h"

namespace mpcstats::core {

// Sizes and times of this process's links, filled in by whoever owns them (the pump).
using MeasureLinks = std::function<wire::Metrics()>;

// What a party needs for protocol secagg: its certificate and key (it signs its advertised keys)
// and the CA check of every other party's certificate.
struct SecAggIdentity {
  PartyCredentials credentials;
  std::shared_ptr<const PeerCertificateVerifier> verifier;
};

struct PartyContext : EngineContext {
  PartyContext(const Roster& roster, std::string self, InputSource input, RandomSource& random, const Clock& clock,
               MeasureLinks measure, std::optional<SecAggIdentity> identity);

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
  std::optional<SecAggIdentity> secagg_identity;  // taken by the secagg rounds
  std::unique_ptr<SecAggParty> secagg;
  std::optional<wire::SecAggResult> published;  // secagg: the result the coordinator sent us
};

class PartyEngine final : public EngineBase<PartyContext> {
 public:
  PartyEngine(const Roster& roster, std::string self_id, InputSource input, Outbox& outbox, RandomSource& rng,
              const Clock& clock = SystemSteadyClock(), MeasureLinks measure = {},
              std::optional<SecAggIdentity> identity = std::nullopt);

  // secagg, after success: the published result (result.json and result.csv for the runner).
  const std::optional<wire::SecAggResult>& published() const { return context().published; }

 private:
  std::unique_ptr<StateT> MakeFailedState() override;
};

}  // namespace mpcstats::core
