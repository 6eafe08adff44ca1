#include "tests/e2e/cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/e2e/netns.h"

namespace mpcstats::e2e {
namespace fs = std::filesystem;
namespace {

fs::path MakeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  return fs::path(buffer.data());
}

bool KeepTempDirs() {
  const char* keep = std::getenv("MPCSTATS_E2E_KEEP");
  return keep != nullptr && *keep != '\0' && std::string(keep) != "0";
}

// A directory removed at exit of the test binary.
class ScopedDir {
 public:
  explicit ScopedDir(const std::string& prefix) : path_(MakeTempDir(prefix)) {}
  ~ScopedDir() {
    std::error_code ignored;
    if (!KeepTempDirs()) fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::unique_ptr<CertSet> GenerateCerts(const ScopedDir& dir) {
  fs::path out = dir.path() / "certs";
  std::vector<std::string> argv = {std::string(MPCSTATS_SOURCE_DIR) + "/scripts/gen-certs.sh",
                                   "--out",
                                   out.string(),
                                   "--parties",
                                   std::to_string(kMaxParties),
                                   "--days",
                                   "2",
                                   "--hosts",
                                   NetnsAddressList()};  // the separate-hosts tests' addresses too
  fs::path log = dir.path() / "gen-certs.log";
  std::optional<int> status = RunToCompletion(argv, log, std::chrono::seconds(120));
  if (status != 0) {
    throw std::runtime_error("gen-certs.sh failed (status " + (status ? std::to_string(*status) : "timeout") +
                             "): " + ReadFileOrEmpty(log));
  }
  return std::make_unique<CertSet>(out);
}

std::string Tail(const std::string& text, size_t max_chars) {
  return text.size() <= max_chars ? text : "..." + text.substr(text.size() - max_chars);
}

bool IsNumberChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.'; }

}  // namespace

const CertSet& SharedCerts() {
  static ScopedDir dir("mpcstats-e2e-certs-");
  static std::unique_ptr<CertSet> certs = GenerateCerts(dir);
  return *certs;
}

const CertSet& ForeignCerts() {
  static ScopedDir dir("mpcstats-e2e-foreign-");
  static std::unique_ptr<CertSet> certs = GenerateCerts(dir);
  return *certs;
}

std::vector<std::string> WithForeignIdentity(std::vector<std::string> argv, const std::string& id) {
  const CertSet& foreign = ForeignCerts();
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--cert") argv[i + 1] = foreign.cert(id).string();
    if (argv[i] == "--key") argv[i + 1] = foreign.key(id).string();
    if (argv[i] == "--ca") argv[i + 1] = foreign.ca().string();
  }
  return argv;
}

const std::vector<std::string>& ReasonCodes() {
  static const std::vector<std::string> kCodes = {
      "PEER_MISSING",  "TIMEOUT",      "CERT_UNTRUSTED", "IDENTITY_MISMATCH",  "FRAME_TOO_LARGE",
      "BAD_FRAME",     "WRONG_RUN",    "WRONG_SENDER",   "UNEXPECTED_MESSAGE", "DUPLICATE_MESSAGE",
      "INVALID_SHARE", "CHECK_FAILED", "ABORTED",        "BAD_INPUT",          "USAGE"};
  return kCodes;
}

namespace {

// A loopback TCP socket bound to a port the kernel picks (bound only: connections are refused
// until the process it is handed to listens). Returns the fd and sets `bound`.
int BindLoopbackAnyPort(uint16_t* bound) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket(): ") + std::strerror(errno));
  // As asio's acceptor would: the process's listener then leaves TIME_WAIT connections that do
  // not block a later bind (PortsReleased probes with one). Port 0 with SO_REUSEADDR still gets
  // a port nobody holds, and nobody else binds this one by number.
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = std::strerror(errno);
    close(fd);
    throw std::runtime_error("cannot bind a loopback port: " + error);
  }
  *bound = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

bool HasEstablishedConnection(pid_t pid, uint16_t remote_port) {
  // Socket inodes the process holds...
  std::set<std::string> inodes;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::string target = fs::read_symlink(entry.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  if (inodes.empty()) return false;
  // ...and one of them ESTABLISHED (01) to the remote port.
  char wanted[8];
  std::snprintf(wanted, sizeof(wanted), ":%04X", remote_port);
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      if (state == "01" && remote.size() >= 5 && remote.compare(remote.size() - 5, 5, wanted) == 0 &&
          inodes.count(inode)) {
        return true;
      }
    }
  }
  return false;
}

std::vector<uint16_t> ListeningPortsOf(pid_t pid) {
  std::set<std::string> inodes;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::string target = fs::read_symlink(entry.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::vector<uint16_t> ports;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      if (state != "0A" || inodes.count(inode) == 0 || local.size() < 5) continue;
      ports.push_back(static_cast<uint16_t>(std::stoul(local.substr(local.size() - 4), nullptr, 16)));
    }
  }
  return ports;
}

bool MapsFile(pid_t pid, std::string_view name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(name) != std::string::npos) return true;
  }
  return false;
}

bool IsListening(uint16_t port) {
  char wanted[8];
  std::snprintf(wanted, sizeof(wanted), ":%04X", port);
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      // "  sl  local_address rem_address   st ..."; LISTEN is state 0A.
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      if (state == "0A" && local.size() >= 5 && local.compare(local.size() - 5, 5, wanted) == 0) return true;
    }
  }
  return false;
}

PortDecoy::PortDecoy(Cluster& cluster, const std::vector<uint16_t>& ports) {
  for (uint16_t port : ports) {
    const int held = cluster.ReservedSocket(port);
    int fd = -1;
    if (held >= 0) {
      fd = fcntl(held, F_DUPFD_CLOEXEC, 0);
    } else {
      // Handed to a process that has ended since (its port is free again): bind it ourselves.
      fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(port);
      if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        close(fd);
        fd = -1;
      }
    }
    if (fd < 0) throw std::runtime_error("PortDecoy: cannot hold port " + std::to_string(port));
    fds_.push_back(fd);
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 || listen(fd, 16) != 0) {
      throw std::runtime_error("PortDecoy: cannot listen on port " + std::to_string(port));
    }
  }
}

PortDecoy::~PortDecoy() {
  for (int fd : fds_) close(fd);
}

int PortDecoy::Connections() {
  for (int fd : fds_) {
    while (true) {
      int conn = accept(fd, nullptr, nullptr);
      if (conn < 0) break;
      ++accepted_;
      close(conn);
    }
  }
  return accepted_;
}

bool ContainsWholeNumber(const std::string& text, uint64_t number) {
  const std::string needle = std::to_string(number);
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    bool before_ok = pos == 0 || !IsNumberChar(text[pos - 1]);
    size_t end = pos + needle.size();
    bool after_ok = end >= text.size() || !IsNumberChar(text[end]);
    // "1237." at the end of a sentence is still the number 1237.
    if (!after_ok && text[end] == '.' &&
        (end + 1 >= text.size() || !std::isdigit(static_cast<unsigned char>(text[end + 1])))) {
      after_ok = true;
    }
    if (before_ok && after_ok) return true;
  }
  return false;
}

Cluster::Cluster(Options options) : options_(std::move(options)) {
  if (options_.num_parties < 1 || options_.num_parties > kMaxParties) {
    throw std::invalid_argument("Cluster: num_parties out of range");
  }
  (void)SharedCerts();  // fail early, and keep certificate generation out of the run's clock
  dir_ = MakeTempDir("mpcstats-e2e-");
  fs::create_directories(dir_ / "logs");
  fs::create_directories(dir_ / "out" / "coordinator");
  for (int p = 1; p <= options_.num_parties; ++p) fs::create_directories(out_dir(PartyId(p)));

  std::vector<uint16_t> ports;
  for (int i = 0; i <= (options_.party_endpoints ? options_.num_parties : 0); ++i) {
    uint16_t port = 0;
    const int fd = BindLoopbackAnyPort(&port);
    reserved_[port] = fd;
    ports.push_back(port);
  }
  roster_ = {{"coordinator", {{"host", "127.0.0.1"}, {"port", ports[0]}}},
             {"parties", nlohmann::json::array()}};
  for (int p = 1; p <= options_.num_parties; ++p) {
    if (options_.party_endpoints) {
      roster_["parties"].push_back({{"id", PartyId(p)}, {"host", "127.0.0.1"}, {"port", ports[p]}});
    } else {
      roster_["parties"].push_back({{"id", PartyId(p)}});
    }
  }
  roster_path_ = WriteFile("roster.json", roster_.dump(2));
}

Cluster::~Cluster() {
  for (auto& [name, process] : processes_) process.KillAndReap();
  for (const auto& [port, fd] : reserved_) close(fd);
  if (KeepTempDirs()) {
    std::cerr << "[e2e] kept " << dir_ << "\n";
  } else {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

std::chrono::milliseconds Cluster::cap() const {
  return std::chrono::seconds(2 * options_.timeout_seconds + 10);
}

uint16_t Cluster::coordinator_port() const { return roster_["coordinator"]["port"].get<uint16_t>(); }
uint16_t Cluster::party_port(int party) const {
  const auto& entry = roster_["parties"][party - 1];
  return entry.contains("port") ? entry["port"].get<uint16_t>() : 0;
}

void Cluster::UseSynthetic(int party, uint64_t users, uint64_t seed) {
  data_[party] = DataSource{{}, users, seed};
}

fs::path Cluster::UseCsv(int party, const std::vector<Visit>& visits) {
  fs::path path = WriteFile("data/" + PartyId(party) + ".csv", FormatCsv(visits));
  data_[party] = DataSource{{path}, 0, 0};
  return path;
}

void Cluster::UseCsvFiles(int party, std::vector<fs::path> files) { data_[party] = DataSource{std::move(files), 0, 0}; }

void Cluster::UseQuery(const nlohmann::json& query) {
  options_.query_file = WriteFile("query.json", query.dump(2)).string();
}

void Cluster::AddArgs(int process, const std::vector<std::string>& args) {
  auto& extra = extra_args_[process];
  extra.insert(extra.end(), args.begin(), args.end());
}

void Cluster::SetPolicy(int party, const nlohmann::json& policy) {
  if (party == 0) {
    roster_["policy"] = policy;
  } else {
    roster_["parties"][party - 1]["policy"] = policy;
  }
  roster_path_ = WriteFile("roster.json", roster_.dump(2));
}

fs::path Cluster::WriteFile(const std::string& name, const std::string& content) const {
  fs::path path = dir_ / name;
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
  return path;
}

std::vector<std::string> Cluster::PartyArgs(int party) const {
  const std::string id = PartyId(party);
  const CertSet& certs = SharedCerts();
  std::vector<std::string> argv = {MPCSTATS_PARTY_BIN,
                                   "--roster",
                                   roster_path_.string(),
                                   "--id",
                                   id,
                                   "--cert",
                                   certs.cert(id).string(),
                                   "--key",
                                   certs.key(id).string(),
                                   "--ca",
                                   certs.ca().string()};
  auto it = data_.find(party);
  DataSource source = it != data_.end() ? it->second : DataSource{};
  if (options_.vector_length > 0) {
    argv.insert(argv.end(), {"--vector-length", std::to_string(options_.vector_length), "--seed",
                             std::to_string(options_.vector_seed)});
  } else if (!source.csv.empty()) {
    for (const fs::path& file : source.csv) argv.insert(argv.end(), {"--data", file.string()});
  } else {
    argv.insert(argv.end(), {"--users", std::to_string(source.users), "--seed", std::to_string(source.seed)});
  }
  argv.insert(argv.end(), {"--out", out_dir(id).string(), "--timeout",
                           std::to_string(options_.timeout_seconds), "--log-level", options_.log_level});
  if (auto extra = extra_args_.find(party); extra != extra_args_.end()) {
    argv.insert(argv.end(), extra->second.begin(), extra->second.end());
  }
  return argv;
}

std::vector<std::string> Cluster::CoordinatorArgs() const {
  const CertSet& certs = SharedCerts();
  std::vector<std::string> argv = {MPCSTATS_COORDINATOR_BIN,
                                   "--roster",
                                   roster_path_.string(),
                                   "--cert",
                                   certs.cert("coordinator").string(),
                                   "--key",
                                   certs.key("coordinator").string(),
                                   "--ca",
                                   certs.ca().string(),
                                   "--out",
                                   out_dir("coordinator").string(),
                                   "--timeout",
                                   std::to_string(options_.timeout_seconds),
                                   "--log-level",
                                   options_.log_level};
  if (!options_.protocol.empty()) argv.insert(argv.end(), {"--protocol", options_.protocol});
  if (options_.threshold > 0) argv.insert(argv.end(), {"--threshold", std::to_string(options_.threshold)});
  if (options_.vector_length > 0) {
    argv.insert(argv.end(), {"--vector-length", std::to_string(options_.vector_length), "--vector-out",
                             vector_out_path().string()});
  }
  if (options_.chunk_values > 0)
    argv.insert(argv.end(), {"--chunk-values", std::to_string(options_.chunk_values)});
  if (!options_.query_file.empty()) argv.insert(argv.end(), {"--query", options_.query_file});
  if (auto extra = extra_args_.find(0); extra != extra_args_.end()) {
    argv.insert(argv.end(), extra->second.begin(), extra->second.end());
  }
  return argv;
}

Process& Cluster::StartParty(int party) { return StartCustom(PartyId(party), PartyArgs(party)); }
Process& Cluster::StartCoordinator() { return StartCustom("coordinator", CoordinatorArgs()); }

void Cluster::StartAll() {
  StartCoordinator();
  for (int p = 1; p <= options_.num_parties; ++p) StartParty(p);
}

Process& Cluster::StartCustom(const std::string& name, const std::vector<std::string>& argv,
                              const fs::path& stdin_path) {
  if (processes_.count(name)) throw std::logic_error("process started twice: " + name);
  if (!first_start_) first_start_ = std::chrono::steady_clock::now();
  // The coordinator and partyN get the socket held for their roster port.
  int listen_fd = -1;
  if (name == "coordinator") {
    listen_fd = TakeReservedPort(coordinator_port());
  } else {
    for (int p = 1; p <= options_.num_parties; ++p) {
      if (name == PartyId(p)) listen_fd = TakeReservedPort(party_port(p));
    }
  }
  auto [it, inserted] =
      processes_.emplace(name, Process::Start(argv, dir_ / "logs" / (name + ".log"), stdin_path, listen_fd));
  if (listen_fd >= 0) close(listen_fd);  // the child has its own copy now
  return it->second;
}

int Cluster::ReservedSocket(uint16_t port) const {
  auto it = reserved_.find(port);
  return it == reserved_.end() ? -1 : it->second;
}

int Cluster::TakeReservedPort(uint16_t port) {
  auto it = reserved_.find(port);
  if (it == reserved_.end()) return -1;
  const int fd = it->second;
  reserved_.erase(it);
  return fd;
}

std::optional<int> Cluster::Wait(const std::string& name) {
  Process& p = process(name);
  auto deadline = first_start_.value_or(std::chrono::steady_clock::now()) + cap();
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  std::optional<int> status = p.WaitFor(std::max(left, std::chrono::milliseconds(0)));
  if (!status) {
    p.KillAndReap();
    killed_at_cap_[name] = true;
  }
  return status;
}

bool Cluster::WaitAll(const std::vector<std::string>& names) {
  std::vector<std::string> selected = names.empty() ? process_names() : names;
  // Polls every process in turn, so each one's end time is noticed within a few milliseconds.
  auto deadline = first_start_.value_or(std::chrono::steady_clock::now()) + cap();
  while (true) {
    bool running = false;
    for (const std::string& name : selected) {
      if (!process(name).Poll()) running = true;
    }
    if (!running) return true;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const std::string& name : selected) {
    Process& process = this->process(name);
    if (!process.finished()) {
      process.KillAndReap();
      killed_at_cap_[name] = true;
    }
  }
  return false;
}

std::optional<int> Cluster::exit_code(const std::string& name) const {
  auto it = processes_.find(name);
  if (it == processes_.end() || !it->second.finished() || killed_at_cap_.count(name)) return std::nullopt;
  return it->second.status();
}

Process& Cluster::process(const std::string& name) {
  auto it = processes_.find(name);
  if (it == processes_.end()) throw std::logic_error("no process named " + name);
  return it->second;
}

std::vector<std::string> Cluster::process_names() const {
  std::vector<std::string> names;
  for (const auto& [name, process] : processes_) names.push_back(name);
  return names;
}

std::string Cluster::Log(const std::string& name) const {
  return ReadFileOrEmpty(dir_ / "logs" / (name + ".log"));
}

std::optional<nlohmann::json> Cluster::RunJson() const {
  if (!fs::exists(run_json_path())) return std::nullopt;
  return nlohmann::json::parse(ReadFileOrEmpty(run_json_path()));
}

std::optional<nlohmann::json> Cluster::LocalJson(int party) const {
  fs::path path = out_dir(PartyId(party)) / ("local_" + PartyId(party) + ".json");
  if (!fs::exists(path)) return std::nullopt;
  return nlohmann::json::parse(ReadFileOrEmpty(path));
}

std::vector<std::pair<std::string, fs::path>> Cluster::OutputFiles() const {
  std::vector<std::pair<std::string, fs::path>> files;
  if (!fs::exists(dir_ / "out")) return files;
  for (const auto& owner : fs::directory_iterator(dir_ / "out")) {
    if (!owner.is_directory()) continue;
    for (const auto& entry : fs::recursive_directory_iterator(owner.path())) {
      if (entry.is_regular_file()) files.emplace_back(owner.path().filename().string(), entry.path());
    }
  }
  return files;
}

bool Cluster::PortsReleased() const {
  std::vector<uint16_t> ports = {coordinator_port()};
  for (int p = 1; p <= options_.num_parties; ++p) ports.push_back(party_port(p));
  for (uint16_t port : ports) {
    if (reserved_.count(port)) continue;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    // With SO_REUSEADDR, bind+listen succeed next to TIME_WAIT leftovers but not next to a listener.
    bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && listen(fd, 1) == 0;
    close(fd);
    if (!free) return false;
  }
  return true;
}

std::string Cluster::Describe() const {
  std::string text = "cluster dir " + dir_.string() + "\n";
  for (const auto& [name, process] : processes_) {
    auto code = exit_code(name);
    text += "--- " + name + ": " +
            (killed_at_cap_.count(name) ? std::string("killed at the cap")
             : code                     ? "exit " + std::to_string(*code)
                                        : std::string("running")) +
            (process.run_time() ? " after " + std::to_string(process.run_time()->count()) + " ms"
                                : std::string()) +
            "\n" + Tail(Log(name), 3000) + "\n";
  }
  return text;
}

}  // namespace mpcstats::e2e
