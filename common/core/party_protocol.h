// The party's side of the protocol, as a state machine without I/O: the network layer feeds it
// messages and sends what it returns. Steps (the seed's four):
//   1. Start arrives: check the run's parameters against our own roster and input.
//   2. MakeShares: split the input vector into N additive shares; keep ours, one per peer.
//   3. OnShares from every peer: add each received share into our partial sum.
//   4. MakePartialSum: the only value that goes to the coordinator.
// Misuse (calling steps out of order) returns kUnexpectedMessage; nothing is sent twice.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/core/roster.h"
#include "common/core/secure_random.h"
#include "common/core/sharing.h"
#include "common/core/status.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

inline constexpr std::string_view kProtocolFull = "full";

class PartyProtocol {
 public:
  // `input` is this party's encoded input vector (see local_aggregates.h).
  PartyProtocol(const Roster& roster, std::string self_id, std::vector<uint64_t> input);

  Status OnStart(const wire::Start& start);
  // Shares for each peer id. Our own share starts the partial sum.
  StatusOr<std::map<std::string, ShareVector>> MakeShares(RandomSource& rng);
  Status OnShares(const std::string& from, const wire::ShareVector& shares);
  bool HasAllShares() const { return received_.size() + 1 == num_parties_; }
  StatusOr<wire::PartialSum> MakePartialSum();

  const std::vector<std::string>& peer_ids() const { return peer_ids_; }

 private:
  enum class Phase { kWaitingStart, kReadyToShare, kCollecting, kDone };

  std::string self_id_;
  std::string roster_digest_;
  size_t num_parties_;
  std::vector<std::string> peer_ids_;
  std::vector<uint64_t> input_;
  ShareVector partial_;
  std::set<std::string> received_;
  Phase phase_ = Phase::kWaitingStart;
};

}  // namespace mpcstats::core
