// Secagg round 2 of the coordinator (ShareKeys): every party of U1 sends its shares, sealed for
// each peer; at the close each party of U2 (those that answered) gets the shares addressed to it
// by the other parties of U2. We cannot open them (AES-GCM under a key only the pair can derive).
#include "common/core/coordinator/coordinator_states.h"

namespace mpcstats::core::coordinator {

Status SecAggShareKeys::OnRoundMessage(CoordinatorContext& ctx, const std::string& sender,
                                       const wire::Envelope& message) {
  if (message.body_case() != wire::Envelope::kShareKeysResponse) return Refuse(sender, message);
  return ctx.secagg->OnShareKeysResponse(sender, message.share_keys_response());
}

StatusOr<CoordinatorState::Next> SecAggShareKeys::Close(CoordinatorContext& ctx) {
  auto requests = ctx.secagg->CloseShareKeys();
  if (!requests.ok()) return requests.status();
  std::vector<std::string> continuing;
  for (const auto& [id, request] : *requests) continuing.push_back(id);
  DismissOthers(ctx, continuing);
  for (auto& [id, request] : *requests) {
    wire::Envelope message;
    *message.mutable_masked_input_request() = std::move(request);
    ctx.Send(id, std::move(message));
  }
  ctx.timer.EndPhase(kPhaseShares);
  ctx.Info("shares of {} parties routed; waiting for their masked inputs", continuing.size());
  return Next(std::make_unique<SecAggMaskedInput>());
}

}  // namespace mpcstats::core::coordinator
