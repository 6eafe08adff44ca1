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

class Published final : public CoordinatorState {
 public:
  std::string_view name() const override { return "published"; }
  bool terminal() const override { return true; }
  Status OnAbortReceived(CoordinatorContext&, const std::string&, const Status&) override { return Status::Ok(); }
};

class Failed final : public CoordinatorState {
 public:
  std::string_view name() const override { return "failed"; }
  bool terminal() const override { return true; }
  Status OnAbortReceived(CoordinatorContext&, const std::string&, const Status&) override { return Status::Ok(); }
};

}  // namespace mpcstats::core::coordinator
