// Secagg round 1 of the coordinator (AdvertiseKeys): Start (with the threshold T) goes to every
// party; each answers with its signed keys. At the close the list of those who did (U1) goes,
// the same for all, to each of them; the parties check every entry, so we cannot substitute one.
#include "common/core/coordinator/coordinator_states.h"

namespace mpcstats::core::coordinator {

StatusOr<CoordinatorState::Next> StartSecAgg(CoordinatorContext& ctx) {
  const wire::Start start = ctx.protocol.MakeStart();
  SecAggConfig config{.run_id = ctx.run_id,
                      .threshold = ctx.parameters.threshold,
                      .vector_length = start.vector_length(),
                      .chunk_values = start.chunk_values()};
  for (const auto& party : ctx.roster->parties) config.party_ids.push_back(party.id);
  // The mesh protocols' totals, zeroed before Start, become the memory of the secagg sum.
  auto secagg = SecAggCoordinator::Create(std::move(config), ctx.protocol.TakePayload());
  if (!secagg.ok()) return secagg.status();
  ctx.secagg = std::move(secagg).value();
  for (const auto& party : ctx.roster->parties) {
    if (ctx.linked.count(party.id) == 0) {  // never connected: dropped before AdvertiseKeys
      ctx.secagg->OnPartyGone(party.id);
      continue;
    }
    wire::Envelope message;
    *message.mutable_start() = start;
    ctx.Send(party.id, std::move(message));
  }
  ctx.Info("run {} started (protocol secagg, threshold {} of {}): waiting for advertised keys", ctx.run_id,
           ctx.parameters.threshold, ctx.roster->num_parties());
  // As in the mesh protocols: connecting ends at Start; the key rounds count as share distribution.
  ctx.timer.EndPhase(kPhaseConnect);
  return CoordinatorState::Next(std::make_unique<SecAggAdvertiseKeys>());
}

Status SecAggAdvertiseKeys::OnRoundMessage(CoordinatorContext& ctx, const std::string& sender,
                                           const wire::Envelope& message) {
  if (message.body_case() != wire::Envelope::kAdvertiseKeys) return Refuse(sender, message);
  return ctx.secagg->OnAdvertiseKeys(sender, message.advertise_keys());
}

StatusOr<CoordinatorState::Next> SecAggAdvertiseKeys::Close(CoordinatorContext& ctx) {
  auto request = ctx.secagg->CloseAdvertiseKeys();
  if (!request.ok()) return request.status();
  std::vector<std::string> continuing;
  for (const auto& entry : request->parties()) continuing.push_back(entry.party_id());
  DismissOthers(ctx, continuing);
  wire::Envelope message;  // the same list for all: serialized once, not copied per party
  *message.mutable_share_keys_request() = std::move(request).value();
  ctx.SendToEach(continuing, std::move(message));
  ctx.Info("keys of {} parties relayed; waiting for their sealed shares", continuing.size());
  return Next(std::make_unique<SecAggShareKeys>());
}

}  // namespace mpcstats::core::coordinator
