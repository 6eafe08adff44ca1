#include "tests/e2e/run_checks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <thread>

namespace mpcstats::e2e {

using namespace std::chrono_literals;

bool HasLine(const std::string& log, const std::string& code, const std::string& who) {
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find(code) != std::string::npos && (who.empty() || line.find(who) != std::string::npos))
      return true;
  }
  return false;
}

bool HasReasonLine(const std::string& log, const std::string& who) {
  for (const std::string& code : ReasonCodes()) {
    if (HasLine(log, code, who)) return true;
  }
  return false;
}

bool ShowsCrash(const std::string& log) {
  for (const char* sign : {"AddressSanitizer", "UndefinedBehaviorSanitizer", "runtime error:", "LeakSanitizer",
                           "terminate called", "Segmentation fault"}) {
    if (log.find(sign) != std::string::npos) return true;
  }
  return false;
}

void ExpectFailedRun(Cluster& cluster, const std::set<std::string>& killed_by_test) {
  ASSERT_TRUE(cluster.WaitAll()) << "a process ran past the cap of " << cluster.cap().count() << " ms\n"
                                 << cluster.Describe();
  const auto liveness_bound = std::chrono::seconds(cluster.timeout_seconds() + 5);
  for (const std::string& name : cluster.process_names()) {
    if (killed_by_test.count(name)) continue;
    std::optional<int> code = cluster.exit_code(name);
    ASSERT_TRUE(code.has_value()) << name;
    EXPECT_NE(*code, 0) << name << " exited 0 in a failed run\n" << cluster.Describe();
    EXPECT_LT(*code, 128) << name << " died of a signal instead of exiting\n" << cluster.Describe();
    EXPECT_FALSE(ShowsCrash(cluster.Log(name))) << name << " crashed\n" << cluster.Describe();
    std::optional<std::chrono::milliseconds> run_time = cluster.process(name).run_time();
    ASSERT_TRUE(run_time.has_value());
    EXPECT_LE(*run_time, liveness_bound) << name << " took " << run_time->count() << " ms to give up\n"
                                         << cluster.Describe();
  }
  EXPECT_FALSE(std::filesystem::exists(cluster.run_json_path())) << "a failed run published run.json";
  // Not even a temporary or partial result is left in the coordinator's output directory.
  for (const auto& [owner, path] : cluster.OutputFiles()) {
    EXPECT_NE(owner, "coordinator") << "a failed run left " << path;
  }
  EXPECT_TRUE(cluster.PortsReleased()) << "a listener outlived its process";
}

bool WaitUntilListening(uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!IsListening(port) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  return IsListening(port);
}

void WaitAdmittedByCoordinator(const Cluster& cluster, const std::string& name) {
  ASSERT_TRUE(WaitForLogLine(cluster, "coordinator", name + " connected from ", "", 3s))
      << "the coordinator did not admit " << name << "\n"
      << cluster.Describe();
}

void WaitConnectedToCoordinator(Cluster& cluster, const std::string& name) {
  ASSERT_NO_FATAL_FAILURE(WaitAdmittedByCoordinator(cluster, name));
  ASSERT_TRUE(HasEstablishedConnection(cluster.process(name).pid(), cluster.coordinator_port()))
      << name << " is not connected to the coordinator\n"
      << cluster.Describe();
}

bool WaitForLogLine(const Cluster& cluster, const std::string& name, const std::string& code,
                    const std::string& who, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!HasLine(cluster.Log(name), code, who)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

}  // namespace mpcstats::e2e
