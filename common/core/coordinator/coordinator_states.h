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
