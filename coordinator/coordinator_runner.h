// Runs the coordinator's side of a run: core::CoordinatorEngine driven by a net::Pump over TLS
// links, then the run's report.
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

class CoordinatorRunner {
 public:
  explicit CoordinatorRunner(const CoordinatorRunConfig& config);
  ~CoordinatorRunner();

  // Binds the listening port (before anything is sent): a bad address or a port in use is a
  // user error.
  core::Status Prepare();
  // Blocks until the run ends. On success fills `report`; on failure every party still connected
  // has been told why (Abort) and nothing is published.
  core::Status Run(report::RunReport* report);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpcstats::coordinator
