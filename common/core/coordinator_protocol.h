// The coordinator's side of the protocol, without I/O: it announces the run (Start), collects one
// partial sum per party and reveals their sum. It never sees a party's input or shares.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/core/local_aggregates.h"
#include "common/core/roster.h"
#include "common/core/status.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

class CoordinatorProtocol {
 public:
  CoordinatorProtocol(const Roster& roster, VectorLayout layout);

  wire::Start MakeStart() const;
  // kWrongSender for a non-party, kDuplicateMessage for a second partial sum, kInvalidShare for a
  // wrong length.
  Status OnPartialSum(const std::string& from, const wire::PartialSum& sum);
  bool Complete() const { return received_.size() == party_ids_.size(); }
  std::vector<std::string> Missing() const;
  // The revealed totals; only when Complete().
  const std::vector<uint64_t>& Totals() const { return totals_; }
  // Decoded statistics, with the self-check vector verified.
  StatusOr<SeedResult> Result() const;

 private:
  std::string roster_digest_;
  std::vector<std::string> party_ids_;
  VectorLayout layout_;
  std::vector<uint64_t> totals_;
  std::set<std::string> received_;
};

}  // namespace mpcstats::core
