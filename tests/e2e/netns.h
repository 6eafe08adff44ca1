// Separate hosts on one machine for end-to-end tests: each node (the coordinator, each party) gets
// a network namespace of its own with one veth link to a bridge, and its own IP address. The
// bridge lives in a namespace of its own too, so the host's firewall (Docker's FORWARD DROP, for
// one) never sees the traffic and the topology touches nothing outside its namespaces.
//
// Contract: needs root and `ip` (iproute2). Names carry the test process's pid, so concurrent test
// processes never share a namespace; the destructor deletes every namespace it made (which
// deletes their links), and the constructor first deletes those left by test processes that no
// longer run. Processes are started in a node's namespace by prefixing their argv (Exec).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mpcstats::e2e {

// Node i's address, 10.77.0.<10 + i>: the same in every topology (each is isolated), so the
// shared test certificates (SharedCerts) carry them all.
std::string NetnsAddress(size_t index);
inline constexpr size_t kNetnsMaxNodes = 8;  // the coordinator and kMaxParties parties
// "10.77.0.10,...": every address a node can have, for gen-certs.sh --hosts.
std::string NetnsAddressList();

class NetnsTopology {
 public:
  // Nodes named `names` (at most kNetnsMaxNodes), node i with NetnsAddress(i)/24.
  // On failure error() says why (the test skips) and nothing is left behind.
  explicit NetnsTopology(const std::vector<std::string>& names);
  ~NetnsTopology();
  NetnsTopology(const NetnsTopology&) = delete;
  NetnsTopology& operator=(const NetnsTopology&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  const std::string& ip(const std::string& node) const { return ips_.at(node); }
  // argv run inside the node's namespace (`ip netns exec NS argv...`; exec, no extra process).
  std::vector<std::string> Exec(const std::string& node, const std::vector<std::string>& argv) const;
  // Takes the switch side of the node's link down: no reset, no FIN, the packets just stop.
  // Returns an empty string or the error.
  std::string CutLink(const std::string& node) const;

 private:
  std::string Run(const std::vector<std::string>& argv) const;  // "" or the error
  void Teardown();

  std::string prefix_;  // "mpcs<pid>-"
  std::string switch_ns_;
  std::map<std::string, std::string> ns_;   // node -> namespace
  std::map<std::string, std::string> ips_;  // node -> address
  std::map<std::string, std::string> port_; // node -> its link's name in the switch namespace
  std::vector<std::string> created_;
  std::string error_;
};

}  // namespace mpcstats::e2e
