// A whole run inside one process, no sockets, no threads: one CoordinatorEngine and N
// PartyEngines whose outboxes feed one router. Every step is one action (a link request taken,
// links ready, one message delivered, one EmitNext), in a fixed order, so runs are
// deterministic and a test can stop anywhere (StepUntil) and poke an engine.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/core/coordinator/coordinator_engine.h"
#include "common/core/engine/fault_outbox.h"
#include "common/core/party/party_engine.h"
#include "common/core/roster.h"
#include "common/core/secure_random.h"
#include "tests/core/test_pki.h"

namespace mpcstats::core::testing {

// Time stands still unless a test moves it.
class FakeClock final : public Clock {
 public:
  time_point Now() const override { return now_; }
  void Advance(std::chrono::milliseconds by) { now_ += by; }

 private:
  time_point now_{};
};

// A RandomSource anyone can replay: the AES-CTR stream under a fixed key.
class DeterministicRandom final : public RandomSource {
 public:
  explicit DeterministicRandom(uint8_t key_byte) : prg_(Key(key_byte)) {}
  static AesKey Key(uint8_t key_byte) {
    AesKey key{};
    key.fill(key_byte);
    return key;
  }
  void Fill(std::span<uint64_t> out) override { prg_.Fill(out); }
  void FillBytes(std::span<uint8_t> out) override { prg_.FillBytes(out); }

 private:
  AesCtrPrg prg_;
};

struct Sent {
  std::string from;
  std::string to;
  wire::Envelope message;
  bool close = false;  // not a message: `from` closes its link to `to` here (after what it sent)
};

struct HarnessOptions {
  size_t num_parties = 3;
  RunParameters parameters;
  std::shared_ptr<const QueryPlan> plan;
  // Inputs by party index (payload and check vector), used whatever Start asks.
  std::vector<std::vector<uint64_t>> inputs;
  // Instead of `inputs`: what builds each party's input from Start (by party index).
  std::vector<InputSource> sources;
  // Instead of TestRoster(num_parties) (policies, domains); num_parties is then ignored.
  std::optional<Roster> roster;
  std::map<std::string, Fault> faults;  // by party id
  // Sees (and may change) every message just before it is delivered: a hostile process.
  std::function<void(Sent&)> tamper;
};

class Harness {
 public:
  explicit Harness(HarnessOptions options);
  ~Harness();

  const Roster& roster() const { return roster_; }
  Engine& engine(const std::string& id);
  CoordinatorEngine& coordinator() { return *coordinator_; }
  std::vector<std::string> ids() const;  // coordinator, party1, ...

  // One action; false when nothing is left to do.
  bool Step();
  void RunToEnd();
  // Steps until `done` holds (true) or nothing is left (false).
  bool StepUntil(const std::function<bool()>& done);

  // Everything delivered so far, in order.
  const std::vector<Sent>& transcript() const { return transcript_; }
  // A message into `to` from `from` with the link's next sequence number; the engine's verdict.
  Status Inject(const std::string& from, const std::string& to, wire::Envelope message);
  // A process that crashed (kExitAfterPartialSum fired): its links drop at the others.
  bool crashed(const std::string& id) const { return crashed_.count(id) != 0; }

 private:
  class Mailbox;
  std::optional<SecAggIdentity> Identity(const std::string& id,
                                         std::shared_ptr<const PeerCertificateVerifier> verifier) const;
  void Deliver(Sent sent);

  Roster roster_;
  mpcstats::testing::TestPki pki_;  // certificates for secagg's signed keys
  std::function<void(Sent&)> tamper_;
  FakeClock clock_;
  std::map<std::string, std::unique_ptr<DeterministicRandom>> rngs_;
  std::map<std::string, std::unique_ptr<Mailbox>> mailboxes_;
  std::map<std::string, std::unique_ptr<FaultOutbox>> faulty_;
  std::unique_ptr<CoordinatorEngine> coordinator_;
  std::map<std::string, std::unique_ptr<PartyEngine>> parties_;
  std::deque<Sent> in_flight_;
  std::vector<Sent> transcript_;
  std::map<std::string, std::set<std::string>> wanted_;  // who asked for a link to whom
  std::map<std::string, std::set<std::string>> waiting_;  // requests not yet ready
  std::map<std::pair<std::string, std::string>, uint64_t> next_seq_;
  std::set<std::pair<std::string, std::string>> closed_;
  std::set<std::string> crashed_;
  std::set<std::string> lost_reported_;
};

Roster TestRoster(size_t n);

}  // namespace mpcstats::core::testing
