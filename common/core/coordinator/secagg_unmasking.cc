// Secagg round 4 of the coordinator (Unmasking): every included party returns one secret per
// peer; at the close (at least T answers) the self-mask seeds of the included parties and the
// mask keys of the dropped ones are rebuilt, the masks come off the sum, the check vector must be
// exactly the indicator of the included parties, and the result is published: decoded into
// run.json's content and sent to every included party still linked. Dropped parties get nothing.
#include <fmt/format.h>

#include "common/core/coordinator/coordinator_states.h"

namespace mpcstats::core::coordinator {

Status SecAggUnmasking::OnRoundMessage(CoordinatorContext& ctx, const std::string& sender,
                                       const wire::Envelope& message) {
  if (message.body_case() != wire::Envelope::kUnmaskingResponse) return Refuse(sender, message);
  return ctx.secagg->OnUnmaskingResponse(sender, message.unmasking_response());
}

StatusOr<CoordinatorState::Next> SecAggUnmasking::Close(CoordinatorContext& ctx) {
  auto sum = ctx.secagg->CloseUnmasking();
  if (!sum.ok()) return sum.status();
  RunResult& result = ctx.result;
  result.included_parties = ctx.secagg->included_parties();
  result.dropped_parties = ctx.secagg->dropped_parties();
  if (Status s = RevealSecAggResult(std::move(sum).value(), ctx.parameters, ctx.plan, *ctx.roster, &result); !s.ok()) {
    return s;
  }
  ctx.revealed = true;
  ctx.timer.EndPhase(kPhaseAggregation);
  PublishedResult published;
  if (ctx.render) {
    auto rendered = ctx.render(result);
    if (!rendered.ok()) return rendered.status();
    published = std::move(rendered).value();
  }
  wire::SecAggResult message_body = ctx.secagg->MakeResult(std::move(published.json));
  message_body.set_result_csv(std::move(published.csv));
  size_t sent = 0;
  for (const auto& id : result.included_parties) {
    if (ctx.linked.count(id) == 0) continue;
    wire::Envelope message;
    *message.mutable_secagg_result() = message_body;
    ctx.Send(id, std::move(message));
    ++sent;
  }
  ctx.Info("masks removed and self-check passed: sum over {} included parties published, sent to {} of them",
           result.included_parties.size(), sent);
  ctx.outcome = Status::Ok();
  return Next(std::make_unique<Published>());
}

}  // namespace mpcstats::core::coordinator
