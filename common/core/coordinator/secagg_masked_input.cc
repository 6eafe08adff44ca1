// Secagg round 3 of the coordinator (MaskedInput): every party of U2 streams its masked input,
// added chunk by chunk into one running sum (no single input is ever held). At the close the
// parties whose whole input arrived are included (U3); each of them gets the list of the parties
// of U2 that are not. A masked input that arrives after this is refused (its sender is dropped).
#include "common/core/coordinator/coordinator_states.h"

namespace mpcstats::core::coordinator {

Status SecAggMaskedInput::OnRoundMessage(CoordinatorContext& ctx, const std::string& sender,
                                         const wire::Envelope& message) {
  if (message.body_case() != wire::Envelope::kMaskedInput) return Refuse(sender, message);
  Status s = ctx.secagg->OnMaskedInput(sender, message.masked_input());
  if (s.ok() && ctx.secagg->MaskedInputComplete(sender)) ctx.Info("masked input received from {}", sender);
  return s;
}

StatusOr<CoordinatorState::Next> SecAggMaskedInput::Close(CoordinatorContext& ctx) {
  auto request = ctx.secagg->CloseMaskedInput();
  if (!request.ok()) return request.status();
  const std::vector<std::string> included = ctx.secagg->included_parties();
  DismissOthers(ctx, included);
  for (const auto& id : included) {
    wire::Envelope message;
    *message.mutable_unmasking_request() = *request;
    ctx.Send(id, std::move(message));
  }
  ctx.Info("masked inputs of {} parties in ({} dropped before theirs); unmasking", included.size(),
           request->dropped_parties_size());
  return Next(std::make_unique<SecAggUnmasking>());
}

}  // namespace mpcstats::core::coordinator
