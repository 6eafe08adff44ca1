// Runs the coordinator's side of a run: admits every party, announces the run, adds up the
// partial sums and publishes the result. Wires core::CoordinatorProtocol to TLS links.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/core/coordinator_protocol.h"
#include "common/core/query_plan.h"
#include "common/core/roster.h"
#include "common/core/status.h"
#include "common/net/asio.h"
#include "common/report/run_report.h"

namespace mpcstats::coordinator {

struct CoordinatorRunConfig {
  core::Roster roster;
  std::shared_ptr<net::ssl::context> tls;
  core::RunParameters parameters;  // workload, protocol, chunk size
  std::shared_ptr<const core::QueryPlan> query_plan;  // workload query: how to read the totals
  std::chrono::milliseconds timeout{30000};
  std::string listen_address = "0.0.0.0";
};

// Blocks until the run ends. On success fills `report`; on failure every party still connected
// has been told why (Abort) and nothing is published.
core::Status RunCoordinator(const CoordinatorRunConfig& config, report::RunReport* report);

}  // namespace mpcstats::coordinator
