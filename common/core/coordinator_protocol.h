// The coordinator's side of the protocol, without I/O: it announces the run (Start), collects
// every party's partial sum (chunk by chunk, in order) and reveals their sum. It never sees a
// party's input or shares.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/core/local_aggregates.h"
#include "common/core/party_protocol.h"
#include "common/core/roster.h"
#include "common/core/status.h"
#include "common/core/workload.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

struct RunParameters {
  WorkloadKind workload = WorkloadKind::kQuery;
  uint64_t payload_length = 0;  // query: QueryPlan::payload_length(); vector: M
  ProtocolKind protocol = ProtocolKind::kSeeded;
  uint32_t chunk_values = kDefaultChunkValues;
  std::string query_json;  // workload query: its canonical JSON, sent in Start
  // A private query's noise calibration assumes these parties are sure to be included (the
  // parties derive the same number from Start: GuaranteedParties in party_input.h). 0: every
  // party, as full and seeded sharing include all or fail; secure aggregation: its threshold.
  uint64_t guaranteed_parties = 0;
  uint32_t threshold = 0;  // protocol secagg: T (0: DefaultThreshold of the roster, secagg.h)
};

class CoordinatorProtocol {
 public:
  CoordinatorProtocol(const Roster& roster, RunParameters parameters);

  wire::Start MakeStart() const;
  // kWrongSender for a non-party; kDuplicateMessage for values past the end (a second partial
  // sum); kInvalidShare for a chunk out of order or of the wrong length.
  Status OnPartialSum(const std::string& from, const wire::PartialSum& chunk);
  bool PartyComplete(const std::string& id) const;
  bool Complete() const;
  std::vector<std::string> Missing() const;
  // Revealed totals, payload then check vector; only meaningful when Complete().
  const std::vector<uint64_t>& Totals() const { return totals_; }
  // Checks the self-check vector (kCheckFailed names dropped or double-counted parties).
  Status VerifyTotals() const;
  std::span<const uint64_t> Payload() const { return {totals_.data(), parameters_.payload_length}; }
  // Moves the revealed payload out (large vectors are not copied); the protocol is spent after.
  std::vector<uint64_t> TakePayload();

 private:
  std::string roster_digest_;
  std::vector<std::string> party_ids_;
  RunParameters parameters_;
  std::vector<uint64_t> totals_;
  std::map<std::string, uint64_t> received_;  // values received per party
};

}  // namespace mpcstats::core
