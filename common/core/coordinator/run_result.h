// What a successful run reveals, decoded for its workload, and what every process measured.
#pragma once

#include <functional>
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
  // protocol secagg: the threshold, who is in the totals (roster order) and who dropped at which
  // round (SecAggRoundName; a party that dropped at unmasking is still included).
  uint32_t threshold = 0;
  std::vector<std::string> included_parties;
  std::map<std::string, std::string> dropped_parties;
};

// What a secagg coordinator sends every included party: run.json without per-process metrics,
// and the rows of a query as CSV. Rendering is the report layer's; the engine gets a function.
struct PublishedResult {
  std::string json;
  std::string csv;
};
using ResultRenderer = std::function<StatusOr<PublishedResult>(const RunResult&)>;

// Checks the revealed totals (kCheckFailed names dropped or double-counted parties) and decodes
// them for the run's workload into `result`. Takes the payload out of `protocol`. A private
// query's totals are decoded as noisy (no consistency checks: those are for exact runs), after
// checking that the run includes every party its calibration assumed (kNotEnoughParties
// otherwise: the noise would be too little, so nothing is published).
Status RevealResult(CoordinatorProtocol& protocol, const RunParameters& parameters,
                    const std::shared_ptr<const QueryPlan>& plan, const Roster& roster, RunResult* result);
// The same for secagg's unmasked sum over result->included_parties (set by the caller; the check
// vector, their indicator, is already verified): totals and rows are over those parties, and a
// private query is decoded noisy, refused when fewer are included than its calibration assumed.
Status RevealSecAggResult(std::vector<uint64_t> sum, const RunParameters& parameters,
                          const std::shared_ptr<const QueryPlan>& plan, const Roster& roster, RunResult* result);

}  // namespace mpcstats::core
