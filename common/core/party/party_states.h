// The party's rounds (see party_engine.h for the order and the file of each).
#pragma once

#include <memory>

#include "common/core/party/party_engine.h"

namespace mpcstats::core::party {

using PartyState = State<PartyContext>;

// Connecting to the coordinator, then waiting for its Start.
class AwaitStart final : public PartyState {
 public:
  std::string_view name() const override { return "waiting for Start"; }
  StatusOr<Next> OnLinksReady(PartyContext& ctx) override;
  StatusOr<Next> Handle(PartyContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  Status OnDeadline(PartyContext& ctx) override;
  // The coordinator waits one timeout for the last party to connect and then starts (secagg,
  // without it) or names it: wait a margin longer, so its Start or Abort arrives before we give up.
  std::chrono::milliseconds Patience(const PartyContext&, std::chrono::milliseconds timeout) const override {
    return timeout + std::min(timeout, std::chrono::milliseconds(2000));
  }
};

// Shares both ways with every peer. Shares may arrive before our own links are all up.
class ShareRound : public PartyState {
 public:
  Status OnPeerLost(PartyContext& ctx, const std::string& peer, const Status& cause) override;
  Status OnDeadline(PartyContext& ctx) override;

 protected:
  // The next round once every share went out and came in, else nullptr.
  static Next NextIfDone(PartyContext& ctx);
  static Status CheckFromPeer(const PartyContext& ctx, const std::string& sender);
  bool links_ready_ = false;
};

class SeededShareRound final : public ShareRound {
 public:
  std::string_view name() const override { return "exchanging seeds"; }
  StatusOr<Next> OnLinksReady(PartyContext& ctx) override;
  StatusOr<Next> Handle(PartyContext& ctx, const std::string& sender, const wire::Envelope& message) override;
};

class FullShareRound final : public ShareRound {
 public:
  std::string_view name() const override { return "exchanging share vectors"; }
  StatusOr<Next> OnLinksReady(PartyContext& ctx) override;
  StatusOr<Next> Handle(PartyContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  Pending pending(const PartyContext& ctx) const override;
  StatusOr<Next> EmitNext(PartyContext& ctx) override;
};

// The partial sum to the coordinator, chunk by chunk; then Metrics once it is all written.
class SendPartialSum final : public PartyState {
 public:
  std::string_view name() const override { return "sending the partial sum"; }
  Status OnPeerLost(PartyContext& ctx, const std::string& peer, const Status& cause) override;
  Pending pending(const PartyContext& ctx) const override;
  StatusOr<Next> EmitNext(PartyContext& ctx) override;
};

// Waiting for the coordinator's verdict.
class AwaitVerdict final : public PartyState {
 public:
  std::string_view name() const override { return "waiting for the coordinator's verdict"; }
  StatusOr<Next> Handle(PartyContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  Status OnPeerLost(PartyContext& ctx, const std::string& peer, const Status& cause) override;
  Status OnDeadline(PartyContext& ctx) override;
  // The coordinator names a straggler one timeout after its last progress, as we would: wait a
  // margin longer for its verdict.
  std::chrono::milliseconds Patience(const PartyContext&, std::chrono::milliseconds timeout) const override {
    return timeout + std::min(timeout, std::chrono::milliseconds(2000));
  }
};

// ---- protocol secagg (secagg_*.cc): every message goes to and comes from the coordinator.

// Start accepted: our signed keys go out (secagg_advertise_keys.cc).
StatusOr<PartyState::Next> StartSecAgg(PartyContext& ctx);

// What every secagg round of the party shares: only the coordinator speaks; its link lost or its
// silence ends the run. The coordinator closes a round one timeout after its own last progress,
// which other parties' answers may extend past ours: we wait a second timeout, plus the margin
// its verdict needs, before naming it.
class SecAggPartyRound : public PartyState {
 public:
  Status OnPeerLost(PartyContext& ctx, const std::string& peer, const Status& cause) override;
  Status OnDeadline(PartyContext& ctx) override;
  std::chrono::milliseconds Patience(const PartyContext&, std::chrono::milliseconds timeout) const override {
    return 2 * timeout + std::min(timeout, std::chrono::milliseconds(2000));
  }

 protected:
  virtual std::string_view awaited() const = 0;  // for the deadline's message
};

// The coordinator's list of advertised keys; our sealed shares go back.
class SecAggShareKeys final : public SecAggPartyRound {
 public:
  std::string_view name() const override { return "secagg: waiting for the advertised keys"; }
  StatusOr<Next> Handle(PartyContext& ctx, const std::string& sender, const wire::Envelope& message) override;

 private:
  std::string_view awaited() const override { return "ShareKeysRequest"; }
};

// The shares addressed to us; then our masked input, chunk by chunk, then our Metrics.
class SecAggMaskedInput final : public SecAggPartyRound {
 public:
  std::string_view name() const override { return "secagg: masked input"; }
  StatusOr<Next> Handle(PartyContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  Pending pending(const PartyContext& ctx) const override;
  StatusOr<Next> EmitNext(PartyContext& ctx) override;

 private:
  std::string_view awaited() const override { return "MaskedInputRequest"; }
  bool requested_ = false;
};

// The dropped list; one secret per peer goes back (at most once).
class SecAggUnmasking final : public SecAggPartyRound {
 public:
  std::string_view name() const override { return "secagg: waiting for the unmasking request"; }
  StatusOr<Next> Handle(PartyContext& ctx, const std::string& sender, const wire::Envelope& message) override;
  // Also SecAggMaskedInput's, for a request that overtakes our Metrics.
  static StatusOr<Next> Answer(PartyContext& ctx, const std::string& sender, const wire::Envelope& message);

 private:
  std::string_view awaited() const override { return "UnmaskingRequest"; }
};

// The published result: the run's verdict.
class SecAggAwaitResult final : public SecAggPartyRound {
 public:
  std::string_view name() const override { return "secagg: waiting for the result"; }
  StatusOr<Next> Handle(PartyContext& ctx, const std::string& sender, const wire::Envelope& message) override;

 private:
  std::string_view awaited() const override { return "the result"; }
};

class Completed final : public PartyState {
 public:
  std::string_view name() const override { return "completed"; }
  bool terminal() const override { return true; }
  Status OnAbortReceived(PartyContext& ctx, const std::string& sender, const Status& abort, Code reason) override;
};

// After our failure: the coordinator's Abort, if it comes, is the run's verdict (it names the
// party that caused the failure; our own error may only be a consequence of it).
class Failed final : public PartyState {
 public:
  std::string_view name() const override { return "failed"; }
  bool terminal() const override { return true; }
  Status OnAbortReceived(PartyContext& ctx, const std::string& sender, const Status& abort, Code reason) override;
  bool settled(const PartyContext& ctx) const override;
};

}  // namespace mpcstats::core::party
