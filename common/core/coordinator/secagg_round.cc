// What every secagg round of the coordinator shares: who has left has dropped (the round it
// missed is recorded by SecAggCoordinator), a round closes as soon as nobody is left to wait
// for, or on the deadline, and a misbehaving party is dropped rather than failing the run.
#include <fmt/format.h>

#include <algorithm>

#include "common/core/coordinator/coordinator_states.h"

namespace mpcstats::core::coordinator {
namespace {

bool IsParty(const CoordinatorContext& ctx, const std::string& id) { return ctx.roster->IndexOf(id) >= 0; }

// A party that refuses the run as asked (its policy, its privacy budget, its input for this
// query) has not dropped: every party must consent, so nobody gets a result, as with the mesh
// protocols.
bool RefusesTheRun(Code reason) {
  return reason == Code::kPolicyRefused || reason == Code::kInsufficientPrivacyBudget || reason == Code::kBadInput ||
         reason == Code::kUsage;
}

// The link refused what the party sent (a frame too large or unparsable, a sequence number out
// of order), as opposed to losing the connection.
bool RefusedByTheLink(Code cause) {
  return cause == Code::kFrameTooLarge || cause == Code::kBadFrame || cause == Code::kDuplicateMessage;
}

}  // namespace

StatusOr<CoordinatorState::Next> SecAggCoordinatorRound::Handle(CoordinatorContext& ctx, const std::string& sender,
                                                                const wire::Envelope& message) {
  if (!IsParty(ctx, sender)) return Refuse(sender, message);
  Status s;
  if (message.body_case() == wire::Envelope::kMetrics) {
    // After a party's masked input, once: sizes and times for run.json.
    const bool after_input = ctx.secagg->round() > SecAggRound::kMaskedInput ||
                             (ctx.secagg->round() == SecAggRound::kMaskedInput && ctx.secagg->MaskedInputComplete(sender));
    if (after_input && ctx.result.metrics.count(sender) == 0) {
      ctx.result.metrics[sender] = message.metrics();
      return Stay();
    }
    s = Status(Code::kUnexpectedMessage, fmt::format("{} sent Metrics which is not allowed now", sender));
  } else {
    s = OnRoundMessage(ctx, sender, message);
  }
  if (s.ok()) return CloseIfComplete(ctx);
  Expel(ctx, sender, s);
  return CloseIfComplete(ctx);
}

StatusOr<CoordinatorState::Next> SecAggCoordinatorRound::OnBadEnvelope(CoordinatorContext& ctx,
                                                                       const std::string& sender,
                                                                       const Status& refusal) {
  if (!IsParty(ctx, sender)) return refusal;
  Expel(ctx, sender, refusal);
  return CloseIfComplete(ctx);
}

// A party's bad message costs that party its place, not the run (the others may still reach T).
void SecAggCoordinatorRound::Expel(CoordinatorContext& ctx, const std::string& party, const Status& why) {
  ctx.Warn("dropping {}: {}", party, why.ToString());
  ctx.outbox->Send(party, MakeAbort(ctx.run_id, ctx.self_id, why));
  ctx.CloseLink(party);
  ctx.secagg->OnPartyGone(party);
}

Status SecAggCoordinatorRound::OnAbortReceived(CoordinatorContext& ctx, const std::string& sender,
                                               const Status& abort, Code reason) {
  if (!IsParty(ctx, sender) || RefusesTheRun(reason)) return abort;
  ctx.Warn("{} left the run: {}", sender, abort.message());
  ctx.CloseLink(sender);
  ctx.secagg->OnPartyGone(sender);
  return Status::Ok();
}

Status SecAggCoordinatorRound::OnPeerLost(CoordinatorContext& ctx, const std::string& peer, const Status& cause) {
  if (IsParty(ctx, peer) && RefusedByTheLink(cause.code())) {
    Expel(ctx, peer, cause);  // its link can still carry the Abort saying why
    return Status::Ok();
  }
  ctx.Warn("{} left the run: {}", peer, cause.ToString());
  ctx.secagg->OnPartyGone(peer);
  return Status::Ok();
}

StatusOr<CoordinatorState::Next> SecAggCoordinatorRound::AfterPeerLeft(CoordinatorContext& ctx) {
  return CloseIfComplete(ctx);
}

Status SecAggCoordinatorRound::OnDeadline(CoordinatorContext& ctx) {
  ctx.Info("{}: deadline passed; closing the round without the parties that did not answer", name());
  return Status::Ok();
}

StatusOr<CoordinatorState::Next> SecAggCoordinatorRound::AfterDeadline(CoordinatorContext& ctx) { return Close(ctx); }

StatusOr<CoordinatorState::Next> SecAggCoordinatorRound::CloseIfComplete(CoordinatorContext& ctx) {
  return ctx.secagg->RoundComplete() ? Close(ctx) : Stay();
}

void SecAggCoordinatorRound::DismissOthers(CoordinatorContext& ctx, const std::vector<std::string>& continuing) {
  const std::string round(ctx.secagg->round() == SecAggRound::kDone ? "unmasking"
                                                                     : SecAggRoundName(ctx.secagg->round()));
  for (const auto& party : ctx.roster->parties) {
    if (ctx.linked.count(party.id) == 0) continue;
    if (std::find(continuing.begin(), continuing.end(), party.id) != continuing.end()) continue;
    const auto dropped = ctx.secagg->dropped_parties().find(party.id);
    const std::string at = dropped != ctx.secagg->dropped_parties().end() ? dropped->second : round;
    ctx.Warn("{} dropped at {}; the run goes on without it", party.id, at);
    ctx.outbox->Send(party.id, MakeAbort(ctx.run_id, ctx.self_id,
                                         Status(Code::kTimeout, fmt::format("{} did not answer {} in time; the run "
                                                                            "goes on without it",
                                                                            party.id, at))));
    ctx.CloseLink(party.id);
  }
}

}  // namespace mpcstats::core::coordinator
