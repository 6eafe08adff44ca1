// A test cluster on loopback: a temporary directory, a roster with free ports, certificates, and
// real mpcstats-party and mpcstats-coordinator processes.
//
// Ports, race-free: the constructor binds one loopback socket per process to port 0 (bound, not
// listening, no SO_REUSEADDR, so nobody else can bind it and the kernel never uses it as a source
// port), writes the ports the kernel chose into the roster, and keeps the sockets. Starting
// "coordinator" or "partyN" hands that process its socket as fd 3 by socket activation
// (common/net/inherited_listener.h); the process listens on it instead of binding the roster port.
// Until then a connection to the port is refused, as to a process that has not started: peers
// retry exactly as they would in production. Every process reads the same roster file.
//
// Contract: every process is started through the cluster and owned by it; the destructor SIGKILLs
// and reaps whatever still runs, then removes the directory (kept, and its path printed, when the
// environment variable MPCSTATS_E2E_KEEP is set). Each process has its own log file
// (stdout + stderr) and its own output directory, so a test can tell who wrote what.
// Process names: "coordinator", "party1".."partyN", or any name given to StartCustom.
// Setup failures (certificates, files) throw std::runtime_error, which GoogleTest reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/e2e/process.h"
#include "tests/e2e/visit_data.h"

namespace mpcstats::e2e {

// Certificates made once per test binary by scripts/gen-certs.sh, in a directory removed at exit.
class CertSet {
 public:
  explicit CertSet(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path ca() const { return dir_ / "ca.crt"; }
  std::filesystem::path cert(const std::string& id) const { return dir_ / (id + ".crt"); }
  std::filesystem::path key(const std::string& id) const { return dir_ / (id + ".key"); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

inline constexpr int kMaxParties = 7;
// The run's CA, coordinator and party1..party<kMaxParties>.
const CertSet& SharedCerts();
// Another CA with the same identities (certificates that must not be trusted).
const CertSet& ForeignCerts();
// `argv` (a party's command line) with --cert, --key and --ca of `id` from ForeignCerts(): a party
// consistent with itself that nobody of the run trusts, and that trusts nobody of the run.
std::vector<std::string> WithForeignIdentity(std::vector<std::string> argv, const std::string& id);

// Reason codes of the contract: a failing process logs one of these.
const std::vector<std::string>& ReasonCodes();

class Cluster {
 public:
  struct Options {
    int num_parties = 3;
    int timeout_seconds = 5;         // passed as --timeout to every process
    std::string log_level = "info";  // passed as --log-level
    // Optional (the defaults leave every command line as it was):
    std::string protocol;        // non-empty: the coordinator's --protocol (seeded, full or secagg);
                                 // empty: no --protocol, the coordinator's default (secagg)
    uint64_t vector_length = 0;  // > 0: vector workload: --vector-length M on every process, the
                                 // parties get --seed vector_seed instead of their visit data, and
                                 // the coordinator writes the sums to vector_out_path()
    uint64_t vector_seed = 42;
    uint32_t chunk_values = 0;  // > 0: the coordinator's --chunk-values
    std::string query_file;     // non-empty: the coordinator's --query (a path)
    // false: the roster gives no party a host or port (protocol secagg: parties only dial out),
    // and no port is held for the parties.
    bool party_endpoints = true;
    uint32_t threshold = 0;  // > 0: the coordinator's --threshold
  };

  explicit Cluster(Options options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  int num_parties() const { return options_.num_parties; }
  int timeout_seconds() const { return options_.timeout_seconds; }
  // 2 x timeout + 10 s, the longest any test waits for the processes.
  std::chrono::milliseconds cap() const;
  static std::string PartyId(int party) { return "party" + std::to_string(party); }  // 1-based

  // The roster (written by the constructor with free loopback ports and the default domains).
  const std::filesystem::path& roster_path() const { return roster_path_; }
  const nlohmann::json& roster() const { return roster_; }
  uint16_t coordinator_port() const;
  uint16_t party_port(int party) const;  // 0 without party endpoints

  // Party data: synthetic (the default, users 1000, seed 42) or a CSV file written here.
  void UseSynthetic(int party, uint64_t users, uint64_t seed);
  std::filesystem::path UseCsv(int party, const std::vector<Visit>& visits);
  // Several CSV files already written (WriteFile), passed as one --data each.
  void UseCsvFiles(int party, std::vector<std::filesystem::path> files);
  // Sets the disclosure policy of one party (0: the roster's top-level default) and rewrites the
  // roster file; call before starting any process.
  void SetPolicy(int party, const nlohmann::json& policy);
  // Writes the query into the cluster directory and passes it as the coordinator's --query.
  void UseQuery(const nlohmann::json& query);
  // More flags for one party (1-based) or for the coordinator (0), after the cluster's own.
  void AddArgs(int process, const std::vector<std::string>& args);
  // Writes a file into the cluster directory and returns its path.
  std::filesystem::path WriteFile(const std::string& name, const std::string& content) const;

  // The full command lines the cluster would use.
  std::vector<std::string> PartyArgs(int party) const;
  std::vector<std::string> CoordinatorArgs() const;

  Process& StartParty(int party);
  Process& StartCoordinator();
  // Coordinator first, then party1..partyN.
  void StartAll();
  // Any command under a name of the caller's choice (its log is logs/<name>.log).
  Process& StartCustom(const std::string& name, const std::vector<std::string>& argv,
                       const std::filesystem::path& stdin_path = "/dev/null");

  // Waits for every started process (or only those in `names`) until cap() after the first
  // start; whichever of them still runs then is killed. Returns true if all ended on their own.
  bool WaitAll(const std::vector<std::string>& names = {});
  // Waits for one process up to the cap (measured from the first start).
  std::optional<int> Wait(const std::string& name);
  // Exit code of a finished process; nullopt if it is running or was killed at the cap.
  std::optional<int> exit_code(const std::string& name) const;
  Process& process(const std::string& name);
  bool has_process(const std::string& name) const { return processes_.count(name) > 0; }
  std::vector<std::string> process_names() const;

  std::string Log(const std::string& name) const;
  std::filesystem::path out_dir(const std::string& name) const { return dir_ / "out" / name; }
  std::filesystem::path run_json_path() const { return out_dir("coordinator") / "run.json"; }
  // The coordinator's --vector-out file (passed only when options.vector_length > 0).
  std::filesystem::path vector_out_path() const { return out_dir("coordinator") / "vector_sums.bin"; }
  // Parsed run.json, nullopt if absent; throws if present but not JSON.
  std::optional<nlohmann::json> RunJson() const;
  // Parsed local_<id>.json of a party, nullopt if absent.
  std::optional<nlohmann::json> LocalJson(int party) const;
  // Every regular file under out/ (any process), with its owner's name.
  std::vector<std::pair<std::string, std::filesystem::path>> OutputFiles() const;

  // True if nothing listens on the roster's ports any more (ports the cluster still holds for a
  // process it never started are skipped: no process ever had them).
  bool PortsReleased() const;
  // The cluster's bound socket for a roster port (still owned by the cluster), or -1 once it was
  // handed to its process.
  int ReservedSocket(uint16_t port) const;
  // Exit codes and log tails of every process, for failure messages.
  std::string Describe() const;

 private:
  struct DataSource {
    std::vector<std::filesystem::path> csv;  // empty: synthetic
    uint64_t users = 1000;
    uint64_t seed = 42;
  };

  Options options_;
  std::filesystem::path dir_;
  std::filesystem::path roster_path_;
  nlohmann::json roster_;
  std::map<int, DataSource> data_;
  std::map<int, std::vector<std::string>> extra_args_;  // 0: the coordinator
  std::map<std::string, Process> processes_;
  std::map<std::string, bool> killed_at_cap_;
  std::optional<std::chrono::steady_clock::time_point> first_start_;
  std::map<uint16_t, int> reserved_;  // roster port -> bound socket, until its process starts
  int TakeReservedPort(uint16_t port);  // the caller closes it; -1 if already taken
};

// Regex-free check that `text` contains `number` as a whole number: not preceded or followed by
// a digit, '.', or a letter (so "0.001237" and "x1237y" do not count as 1237).
bool ContainsWholeNumber(const std::string& text, uint64_t number);

// True if process `pid` holds a TCP connection in ESTABLISHED state to `remote_port` (from /proc:
// no probing of the process under test).
bool HasEstablishedConnection(pid_t pid, uint16_t remote_port);

// The TCP ports process `pid` listens on (its socket inodes matched against /proc/net/tcp and
// tcp6 in LISTEN state).
std::vector<uint16_t> ListeningPortsOf(pid_t pid);

// True if a file whose path contains `name` is mapped into process `pid` (/proc/PID/maps).
bool MapsFile(pid_t pid, std::string_view name);

// True if some socket is in LISTEN state on this TCP port (reads /proc/net/tcp and tcp6, so it
// does not disturb the listener the way a probing connection would).
bool IsListening(uint16_t port);

// Listens on roster ports where a process under test would connect (on copies of the sockets the
// cluster holds for them, or on the port itself once the process it was handed to has ended),
// and counts the connections that
// arrived (accepted or still in the backlog): proof that a process sent nothing.
class PortDecoy {
 public:
  PortDecoy(Cluster& cluster, const std::vector<uint16_t>& ports);
  ~PortDecoy();
  PortDecoy(const PortDecoy&) = delete;
  PortDecoy& operator=(const PortDecoy&) = delete;
  // Connections made so far to any of the ports.
  int Connections();

 private:
  std::vector<int> fds_;
  int accepted_ = 0;
};

}  // namespace mpcstats::e2e
