// What a successful run reveals, decoded for its workload, and what every process measured.
#pragma once

#include <map>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/core/coordinator_protocol.h"
#include "common/core/dp_accounting.h"
#include "common/core/noisy_result.h"
#include "common/core/query_plan.h"
#include "common/core/query_result.h"
#include "common/core/roster.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

struct RunResult {
  std::string run_id;
  WorkloadKind workload = WorkloadKind::kQuery;
  ProtocolKind protocol = ProtocolKind::kSeeded;
  std::shared_ptr<const QueryPlan> query_plan;  // workload query: the query as run
  QueryResult query;                            // workload query, exact
  std::optional<DpCalibration> privacy;         // workload query, private: how it was noised
  NoisyQueryResult noisy_query;                 // workload query, private: the noisy totals
  std::vector<uint64_t> vector_sums;            // workload vector
  std::map<std::string, wire::Metrics> metrics;  // "coordinator", "party1", ...
};

// Checks the revealed totals (kCheckFailed names dropped or double-counted parties) and decodes
// them for the run's workload into `result`. Takes the payload out of `protocol`. A private
// query's totals are decoded as noisy (no consistency checks: those are for exact runs), after
// checking that the run includes every party its calibration assumed (kNotEnoughParties
// otherwise: the noise would be too little, so nothing is published).
Status RevealResult(CoordinatorProtocol& protocol, const RunParameters& parameters,
                    const std::shared_ptr<const QueryPlan>& plan, const Roster& roster, RunResult* result);

}  // namespace mpcstats::core
