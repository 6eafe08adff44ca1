// Secagg round 2 of the party (ShareKeys): the coordinator's relayed list of advertised keys is
// checked (every certificate chains to the CA with the CN it is listed under, every signature
// verifies, our own entry is unchanged, at least T parties), so a substituted key is caught here.
// Our Shamir shares of our mask key and self-mask seed go back, sealed for each listed peer.
#include "common/core/party/party_states.h"

namespace mpcstats::core::party {

StatusOr<PartyState::Next> SecAggShareKeys::Handle(PartyContext& ctx, const std::string& sender,
                                                   const wire::Envelope& message) {
  if (sender != kCoordinatorId || message.body_case() != wire::Envelope::kShareKeysRequest) {
    return Refuse(sender, message);
  }
  auto response = ctx.secagg->OnShareKeysRequest(message.share_keys_request());
  if (!response.ok()) return response.status();
  wire::Envelope reply;
  *reply.mutable_share_keys_response() = std::move(response).value();
  ctx.Send(std::string(kCoordinatorId), std::move(reply));
  ctx.Info("{}: {} advertised keys verified; shares sealed for each peer", ctx.self_id,
           message.share_keys_request().parties_size());
  return Next(std::make_unique<SecAggMaskedInput>());
}

}  // namespace mpcstats::core::party
