// Secagg round 4 of the party (Unmasking): the coordinator names the parties that dropped before
// their masked input arrived; for each peer we return the share of its self-mask seed (included)
// or of its mask key (dropped), never both, and only once (SecAggParty refuses a list that names
// us, repeats an id, names a party outside ShareKeys, or comes a second time). Then the published
// result, which is the run's verdict.
#include "common/core/party/party_states.h"

namespace mpcstats::core::party {

StatusOr<PartyState::Next> SecAggUnmasking::Answer(PartyContext& ctx, const std::string& sender,
                                                   const wire::Envelope& message) {
  if (sender != kCoordinatorId || message.body_case() != wire::Envelope::kUnmaskingRequest) {
    return Refuse(sender, message);
  }
  auto response = ctx.secagg->OnUnmaskingRequest(message.unmasking_request());
  if (!response.ok()) return response.status();
  wire::Envelope reply;
  *reply.mutable_unmasking_response() = std::move(response).value();
  ctx.Send(std::string(kCoordinatorId), std::move(reply));
  ctx.Info("{}: unmasking shares sent ({} parties dropped before their masked input)", ctx.self_id,
           message.unmasking_request().dropped_parties_size());
  return Next(std::make_unique<SecAggAwaitResult>());
}

StatusOr<PartyState::Next> SecAggUnmasking::Handle(PartyContext& ctx, const std::string& sender,
                                                   const wire::Envelope& message) {
  return Answer(ctx, sender, message);
}

StatusOr<PartyState::Next> SecAggAwaitResult::Handle(PartyContext& ctx, const std::string& sender,
                                                     const wire::Envelope& message) {
  if (sender == kCoordinatorId && message.body_case() == wire::Envelope::kUnmaskingRequest) {
    // A second request: SecAggParty refuses it (UNMASKING_REFUSED).
    auto refused = ctx.secagg->OnUnmaskingRequest(message.unmasking_request());
    return refused.ok() ? Status(Code::kInternal, "a second unmasking request was answered") : refused.status();
  }
  if (sender != kCoordinatorId || message.body_case() != wire::Envelope::kSecaggResult) return Refuse(sender, message);
  if (message.secagg_result().result_json().size() > kMaxResultJsonBytes ||
      message.secagg_result().result_csv().size() > kMaxResultJsonBytes) {
    return Status(Code::kBadFrame, "coordinator: result too large");
  }
  if (Status s = ctx.secagg->OnResult(message.secagg_result()); !s.ok()) return s;
  ctx.published = message.secagg_result();
  ctx.Info("{}: run {} complete; result received ({} parties included)", ctx.self_id, ctx.run_id,
           message.secagg_result().included_parties_size());
  ctx.outcome = Status::Ok();
  return Next(std::make_unique<Completed>());
}

}  // namespace mpcstats::core::party
