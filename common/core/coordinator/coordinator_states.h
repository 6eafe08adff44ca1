// The coordinator's rounds (see coordinator_engine.h for the order and the file of each).
#pragma once

#include "common/core/coordinator/coordinator_engine.h"

namespace mpcstats::core::coordinator {

using CoordinatorState = State<CoordinatorContext>;

// Admitting the parties; once all are linked, Start goes out.
class Announce final : public CoordinatorState {
 public:
  std::string_view name() const override { return "admitting the parties"; }
  StatusOr<Next> OnLinksReady(CoordinatorContext& ctx) override;
  // Secagg only: with at least T parties connected at the deadline, the run starts without the
  // others (they drop at AdvertiseKeys). The mesh protocols need everyone.
  StatusOr<Next> OnLinksIncomplete(CoordinatorContext& ctx, const Status& cause) override;
};

// Every party's partial sum, then its Metrics; Done once all are in and the totals verified.
class Collect final : public CoordinatorState {
 public:
  std::string_view name() const override { return "collecting partial sums"; }
  StatusOr<Next> Handle(CoordinatorContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  Status OnPeerLost(CoordinatorContext& ctx, const std::string& peer, const Status& cause) override;
  Status OnDeadline(CoordinatorContext& ctx) override;
  // Until the first partial-sum chunk, the parties are busy with each other (the share phase
  // sends us nothing; they bound it among themselves and report failures to us), so this is a
  // backstop for every party falling silent at once. After it, one timeout: a party whose partial
  // sum has not begun within one timeout of the others' is stalled or unreachable.
  std::chrono::milliseconds Patience(const CoordinatorContext& ctx, std::chrono::milliseconds timeout) const override {
    return ctx.summing_started ? timeout : 2 * timeout + std::chrono::milliseconds(2000);
  }
};

// ---- protocol secagg (secagg_*.cc)

// Every party is linked, or at least T by the deadline (the others drop at AdvertiseKeys): the
// SecAggCoordinator is made and Start (with the threshold) goes to the linked parties.
StatusOr<CoordinatorState::Next> StartSecAgg(CoordinatorContext& ctx);

// What every secagg round shares. A party that leaves (link lost, Abort) or misbehaves (its
// message refused: it gets our Abort and its link is closed) has dropped, not failed the run (but
// an Abort refusing the run itself, for its policy, budget or input, fails it for everyone); the
// round closes once every expected party answered or left, or on the deadline. Metrics are
// taken from a party at any round after its masked input.
class SecAggCoordinatorRound : public CoordinatorState {
 public:
  StatusOr<Next> Handle(CoordinatorContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  StatusOr<Next> OnBadEnvelope(CoordinatorContext& ctx, const std::string& sender, const Status& refusal) override;
  Status OnAbortReceived(CoordinatorContext& ctx, const std::string& sender, const Status& abort, Code reason) override;
  Status OnPeerLost(CoordinatorContext& ctx, const std::string& peer, const Status& cause) override;
  StatusOr<Next> AfterPeerLeft(CoordinatorContext& ctx) override;
  Status OnDeadline(CoordinatorContext& ctx) override;
  StatusOr<Next> AfterDeadline(CoordinatorContext& ctx) override;

 protected:
  // The round's own message: the SecAggCoordinator's verdict on it.
  virtual Status OnRoundMessage(CoordinatorContext& ctx, const std::string& sender, const wire::Envelope& message) = 0;
  // Ends the round: the next round, or the run's failure (NOT_ENOUGH_PARTIES, ...).
  virtual StatusOr<Next> Close(CoordinatorContext& ctx) = 0;
  // Parties still linked that are not in `continuing` dropped at this round: told and unlinked.
  static void DismissOthers(CoordinatorContext& ctx, const std::vector<std::string>& continuing);

 private:
  StatusOr<Next> CloseIfComplete(CoordinatorContext& ctx);
  // `party` is told why, unlinked and counted as dropped (the round may then close without it).
  static void Expel(CoordinatorContext& ctx, const std::string& party, const Status& why);
};

class SecAggAdvertiseKeys final : public SecAggCoordinatorRound {
 public:
  std::string_view name() const override { return "secagg: collecting advertised keys"; }

 private:
  Status OnRoundMessage(CoordinatorContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  StatusOr<Next> Close(CoordinatorContext& ctx) override;
};

class SecAggShareKeys final : public SecAggCoordinatorRound {
 public:
  std::string_view name() const override { return "secagg: collecting sealed shares"; }

 private:
  Status OnRoundMessage(CoordinatorContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  StatusOr<Next> Close(CoordinatorContext& ctx) override;
};

class SecAggMaskedInput final : public SecAggCoordinatorRound {
 public:
  std::string_view name() const override { return "secagg: collecting masked inputs"; }

 private:
  Status OnRoundMessage(CoordinatorContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  StatusOr<Next> Close(CoordinatorContext& ctx) override;
};

class SecAggUnmasking final : public SecAggCoordinatorRound {
 public:
  std::string_view name() const override { return "secagg: collecting unmasking shares"; }

 private:
  Status OnRoundMessage(CoordinatorContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  StatusOr<Next> Close(CoordinatorContext& ctx) override;
};

class Published final : public CoordinatorState {
 public:
  std::string_view name() const override { return "published"; }
  bool terminal() const override { return true; }
  Status OnAbortReceived(CoordinatorContext&, const std::string&, const Status&, Code) override { return Status::Ok(); }
};

class Failed final : public CoordinatorState {
 public:
  std::string_view name() const override { return "failed"; }
  bool terminal() const override { return true; }
  Status OnAbortReceived(CoordinatorContext&, const std::string&, const Status&, Code) override { return Status::Ok(); }
};

}  // namespace mpcstats::core::coordinator
