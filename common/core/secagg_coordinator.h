// The coordinator's side of secure aggregation (round table in common/core/secagg.h). It relays
// the parties' messages, tracks who dropped at which round, and at the end reconstructs the
// self-mask seeds of the included parties and the mask keys of the dropped ones, removes the masks
// from the running sum and checks the check vector. It never holds both secrets of one party and
// never sees a single party's input: masked inputs are added into one running sum as they arrive.
//
// The engine drives it: On* for every message (a refusal leaves the state unchanged), OnPartyGone
// when a link closes, RoundComplete() to stop waiting early, Close* when the round ends (everyone
// answered or the deadline passed). A Close* that returns an error ends the run (publish nothing).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/core/secagg.h"
#include "common/core/secagg_crypto.h"
#include "common/core/shamir.h"
#include "common/core/status.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

class SecAggCoordinator {
 public:
  // kUsage for a bad config. `sum_memory`: optional storage for the sum, allocated and touched
  // before Start (the engine's zeroed totals, which the mesh protocols add into), so MaskedInput
  // does not page-fault 8 bytes x M of fresh memory; its values are ignored.
  static StatusOr<std::unique_ptr<SecAggCoordinator>> Create(SecAggConfig config,
                                                             std::vector<uint64_t> sum_memory = {});

  SecAggRound round() const { return round_; }

  Status OnAdvertiseKeys(const std::string& from, const wire::AdvertiseKeys& keys);
  // The list of U1, the same for every party of it. kNotEnoughParties if |U1| < T.
  StatusOr<wire::ShareKeysRequest> CloseAdvertiseKeys();

  Status OnShareKeysResponse(const std::string& from, const wire::ShareKeysResponse& response);
  // One request per party of U2 (keyed by recipient). kNotEnoughParties if |U2| < T.
  StatusOr<std::map<std::string, wire::MaskedInputRequest>> CloseShareKeys();

  // Chunks in order, each added into the running sum.
  Status OnMaskedInput(const std::string& from, const wire::MaskedInput& chunk);
  // The request for every party of U3 (included_parties()). kNotEnoughParties if |U3| < T;
  // kPeerMissing if a party's masked input arrived only in part (it cannot be taken out again).
  StatusOr<wire::UnmaskingRequest> CloseMaskedInput();

  Status OnUnmaskingResponse(const std::string& from, const wire::UnmaskingResponse& response);
  // The unmasked sum over U3 (payload then check vector). kNotEnoughParties if |U4| < T;
  // kInvalidShare if a reconstructed mask key does not match its public key; kCheckFailed if the
  // check vector is not the indicator of U3. The coordinator is spent after.
  StatusOr<std::vector<uint64_t>> CloseUnmasking();

  // A party's link closed: it is not waited for any more (it drops at the round it misses).
  void OnPartyGone(const std::string& id);
  // Every party still expected in the current round has answered it (or is gone).
  bool RoundComplete() const;

  // Whether `id`'s whole masked input has arrived.
  bool MaskedInputComplete(const std::string& id) const;
  // U3 in roster order (meaningful once MaskedInput is closed).
  std::vector<std::string> included_parties() const;
  // id -> SecAggRoundName of the round it dropped at (a party that dropped at Unmasking is still
  // included).
  const std::map<std::string, std::string>& dropped_parties() const { return dropped_; }
  wire::SecAggResult MakeResult(std::string result_json) const;

 private:
  explicit SecAggCoordinator(SecAggConfig config);
  int IndexOf(const std::string& id) const;
  Status CheckSender(const std::string& from, SecAggRound round, const std::vector<bool>& eligible,
                     std::string_view what) const;
  // Marks every party of `expected` that did not answer as dropped at the current round; returns
  // kNotEnoughParties when fewer than T answered.
  Status CloseRound(const std::vector<bool>& expected, const std::vector<bool>& answered);

  SecAggConfig config_;
  size_t n_;
  SecAggRound round_ = SecAggRound::kAdvertiseKeys;
  std::vector<bool> gone_;
  std::map<std::string, std::string> dropped_;

  std::vector<std::optional<wire::AdvertiseKeys>> advertised_;  // U1 once closed
  std::vector<bool> u1_, u2_, u3_, u4_;
  // sealed_[sender][recipient]: the shares sender sealed for recipient.
  std::vector<std::map<size_t, std::string>> sealed_;
  std::vector<bool> share_keys_answered_;
  std::vector<uint64_t> sum_;
  std::vector<uint64_t> received_;  // masked input values per party
  std::vector<bool> unmasking_answered_;
  // shares_[j]: the shares of j's secret (b_j for j in U3, s_j for j in U2 \ U3) sent in Unmasking.
  std::vector<std::vector<ShamirShare>> shares_;
};

}  // namespace mpcstats::core
