// See netns.h.
#include "tests/e2e/netns.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "tests/e2e/process.h"

namespace mpcstats::e2e {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kIpCap{10};

// Namespaces of this helper whose test process is gone ("mpcs<pid>-..." with no such pid).
std::vector<std::string> StaleNamespaces() {
  std::vector<std::string> stale;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/run/netns", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("mpcs", 0) != 0) continue;
    const size_t dash = name.find('-');
    if (dash == std::string::npos || dash == 4) continue;
    const std::string pid = name.substr(4, dash - 4);
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (::kill(static_cast<pid_t>(std::stol(pid)), 0) != 0 && errno == ESRCH) stale.push_back(name);
  }
  return stale;
}

}  // namespace

std::string NetnsAddress(size_t index) { return fmt::format("10.77.0.{}", 10 + index); }

std::string NetnsAddressList() {
  std::string list;
  for (size_t i = 0; i < kNetnsMaxNodes; ++i) list += (list.empty() ? "" : ",") + NetnsAddress(i);
  return list;
}

NetnsTopology::NetnsTopology(const std::vector<std::string>& names) : prefix_(fmt::format("mpcs{}-", ::getpid())) {
  if (names.size() > kNetnsMaxNodes) {
    error_ = fmt::format("at most {} nodes", kNetnsMaxNodes);
    return;
  }
  if (::geteuid() != 0) {
    error_ = "network namespaces need root";
    return;
  }
  for (const std::string& stale : StaleNamespaces()) Run({"ip", "netns", "delete", stale});
  switch_ns_ = prefix_ + "sw";
  auto add_ns = [this](const std::string& ns) {
    std::string e = Run({"ip", "netns", "add", ns});
    if (e.empty()) created_.push_back(ns);
    return e;
  };
  auto fail = [this](const std::string& what, const std::string& e) {
    error_ = "cannot build the namespace topology (" + what + "): " + e;
    Teardown();
  };
  if (std::string e = add_ns(switch_ns_); !e.empty()) { fail("ip netns add", e); return; }
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"ip", "-n", switch_ns_, "link", "add", "br0", "type", "bridge"},
           {"ip", "-n", switch_ns_, "link", "set", "br0", "up"}}) {
    if (std::string e = Run(argv); !e.empty()) { fail("bridge", e); return; }
  }
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& node = names[i];
    const std::string ns = fmt::format("{}n{}", prefix_, i);
    const std::string port = fmt::format("v{}", i);
    const std::string ip = NetnsAddress(i);
    if (std::string e = add_ns(ns); !e.empty()) { fail("ip netns add", e); return; }
    ns_[node] = ns;
    ips_[node] = ip;
    port_[node] = port;
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"ip", "-n", switch_ns_, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns},
             {"ip", "-n", switch_ns_, "link", "set", port, "master", "br0", "up"},
             {"ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0"},
             {"ip", "-n", ns, "link", "set", "eth0", "up"},
             {"ip", "-n", ns, "link", "set", "lo", "up"}}) {
      if (std::string e = Run(argv); !e.empty()) { fail("link of " + node, e); return; }
    }
  }
}

NetnsTopology::~NetnsTopology() { Teardown(); }

void NetnsTopology::Teardown() {
  // Deleting a namespace deletes the links in it (and their veth peers).
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) Run({"ip", "netns", "delete", *it});
  created_.clear();
}

std::vector<std::string> NetnsTopology::Exec(const std::string& node, const std::vector<std::string>& argv) const {
  std::vector<std::string> full = {"ip", "netns", "exec", ns_.at(node)};
  full.insert(full.end(), argv.begin(), argv.end());
  return full;
}

std::string NetnsTopology::CutLink(const std::string& node) const {
  return Run({"ip", "-n", switch_ns_, "link", "set", port_.at(node), "down"});
}

std::string NetnsTopology::Run(const std::vector<std::string>& argv) const {
  const fs::path log = fs::temp_directory_path() / (prefix_ + "ip.log");
  std::optional<int> status = RunToCompletion(argv, log, kIpCap);
  std::string out = ReadFileOrEmpty(log);
  std::error_code ignored;
  fs::remove(log, ignored);
  if (status == 0) return "";
  std::string command;
  for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return fmt::format("'{}' {}: {}", command, status ? fmt::format("exited {}", *status) : "timed out", out);
}

}  // namespace mpcstats::e2e
