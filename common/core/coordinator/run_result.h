// What a successful run reveals, decoded for its workload, and what every process measured.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/core/coordinator_protocol.h"
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
  QueryResult query;                            // workload query
  std::vector<uint64_t> vector_sums;            // workload vector
  std::map<std::string, wire::Metrics> metrics;  // "coordinator", "party1", ...
};

// Checks the revealed totals (kCheckFailed names dropped or double-counted parties) and decodes
// them for the run's workload into `result`. Takes the payload out of `protocol`.
Status RevealResult(CoordinatorProtocol& protocol, const RunParameters& parameters,
                    const std::shared_ptr<const QueryPlan>& plan, const Roster& roster, RunResult* result);

}  // namespace mpcstats::core
