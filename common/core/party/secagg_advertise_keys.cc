// Secagg round 1 of the party (AdvertiseKeys): two fresh X25519 key pairs, signed with our
// certificate's key, go to the coordinator, which relays every party's to every party. Also the
// shared behaviour of the party's secagg rounds.
#include <fmt/format.h>

#include "common/core/party/party_states.h"

namespace mpcstats::core::party {

StatusOr<PartyState::Next> StartSecAgg(PartyContext& ctx) {
  if (!ctx.secagg_identity) {
    return Status(Code::kUsage, "protocol secagg needs this party's certificate, key and CA (none were given)");
  }
  SecAggConfig config{.run_id = ctx.run_id,
                      .threshold = ctx.protocol.threshold(),
                      .vector_length = ctx.protocol.input().size(),
                      .chunk_values = ctx.protocol.chunk_values()};
  for (const auto& party : ctx.roster->parties) config.party_ids.push_back(party.id);
  auto party = SecAggParty::Create(std::move(config), ctx.self_id, std::move(ctx.secagg_identity->credentials),
                                   *ctx.secagg_identity->verifier, *ctx.rng);
  if (!party.ok()) return party.status();
  ctx.secagg = std::move(party).value();
  auto keys = ctx.secagg->MakeAdvertiseKeys();
  if (!keys.ok()) return keys.status();
  ctx.timer.EndPhase(kPhaseConnect);
  wire::Envelope message;
  *message.mutable_advertise_keys() = std::move(keys).value();
  ctx.Send(std::string(kCoordinatorId), std::move(message));
  ctx.Info("{}: keys advertised (protocol secagg, threshold {} of {})", ctx.self_id, ctx.protocol.threshold(),
           ctx.roster->num_parties());
  return PartyState::Next(std::make_unique<SecAggShareKeys>());
}

Status SecAggPartyRound::OnPeerLost(PartyContext&, const std::string& peer, const Status& cause) {
  return peer == kCoordinatorId ? cause : Status::Ok();
}

Status SecAggPartyRound::OnDeadline(PartyContext&) {
  return Status(Code::kTimeout, fmt::format("coordinator: no {} within the deadline", awaited()));
}

}  // namespace mpcstats::core::party
