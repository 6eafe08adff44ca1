#include "tests/core/engine_harness.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace mpcstats::core::testing {

Roster TestRoster(size_t n) {
  nlohmann::json j;
  j["coordinator"] = {{"host", "127.0.0.1"}, {"port", 7000}};
  j["parties"] = nlohmann::json::array();
  for (size_t i = 0; i < n; ++i) {
    j["parties"].push_back({{"id", "party" + std::to_string(i + 1)}, {"host", "127.0.0.1"}, {"port", 7001 + i}});
  }
  auto roster = ParseRoster(j.dump());
  EXPECT_TRUE(roster.ok()) << roster.status().ToString();
  return *roster;
}

class Harness::Mailbox final : public Outbox {
 public:
  Mailbox(Harness& harness, std::string self) : harness_(harness), self_(std::move(self)) {}
  void Send(const std::string& to, wire::Envelope message) override {
    if (harness_.crashed_.count(self_) != 0) return;
    harness_.in_flight_.push_back({self_, to, std::move(message)});
  }
  void Close(const std::string& to) override { harness_.in_flight_.push_back({self_, to, {}, true}); }

 private:
  Harness& harness_;
  std::string self_;
};

Harness::Harness(HarnessOptions options)
    : roster_(options.roster ? *options.roster : TestRoster(options.num_parties)), tamper_(options.tamper) {
  options.num_parties = roster_.num_parties();
  const std::string coordinator(kCoordinatorId);
  rngs_[coordinator] = std::make_unique<DeterministicRandom>(0xc0);
  mailboxes_[coordinator] = std::make_unique<Mailbox>(*this, coordinator);
  coordinator_ = std::make_unique<CoordinatorEngine>(roster_, options.parameters, options.plan,
                                                     *mailboxes_[coordinator], *rngs_[coordinator], clock_);
  // What secagg sends every included party: the included ids and the revealed vector.
  coordinator_->context().render = [](const RunResult& result) -> StatusOr<PublishedResult> {
    nlohmann::json j;
    j["included_parties"] = result.included_parties;
    j["vector_sums"] = result.vector_sums;
    return PublishedResult{.json = j.dump(), .csv = ""};
  };
  std::shared_ptr<const PeerCertificateVerifier> verifier;
  {
    auto made = CaCertificateVerifier::FromPem(pki_.ca_pem());
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    if (made.ok()) verifier = std::move(made).value();
  }
  for (size_t i = 0; i < options.num_parties; ++i) {
    const std::string id = roster_.parties[i].id;
    rngs_[id] = std::make_unique<DeterministicRandom>(static_cast<uint8_t>(i + 1));
    mailboxes_[id] = std::make_unique<Mailbox>(*this, id);
    Outbox* outbox = mailboxes_[id].get();
    const auto fault = options.faults.count(id) ? options.faults[id] : Fault::kNone;
    if (fault != Fault::kNone) {
      faulty_[id] = std::make_unique<FaultOutbox>(*outbox, fault, [this, id] { crashed_.insert(id); });
      outbox = faulty_[id].get();
    }
    std::vector<uint64_t> input = i < options.inputs.size() ? options.inputs[i] : std::vector<uint64_t>{};
    InputSource source = i < options.sources.size()
                             ? options.sources[i]
                             : [input](const wire::Start&, const std::string&) {
                                 return StatusOr<std::vector<uint64_t>>(input);
                               };
    parties_[id] = std::make_unique<PartyEngine>(roster_, id, std::move(source), *outbox, *rngs_[id], clock_,
                                                 [] { return wire::Metrics(); }, Identity(id, verifier));
  }
}

Harness::~Harness() = default;

std::optional<SecAggIdentity> Harness::Identity(const std::string& id,
                                                std::shared_ptr<const PeerCertificateVerifier> verifier) const {
  const auto pem = pki_.Issue(id);
  auto credentials = ParsePartyCredentials(pem.certificate, pem.private_key);
  EXPECT_TRUE(credentials.ok()) << credentials.status().ToString();
  if (!credentials.ok() || !verifier) return std::nullopt;
  return SecAggIdentity{std::move(credentials).value(), std::move(verifier)};
}

Engine& Harness::engine(const std::string& id) {
  if (id == kCoordinatorId) return *coordinator_;
  return *parties_.at(id);
}

std::vector<std::string> Harness::ids() const {
  std::vector<std::string> ids{std::string(kCoordinatorId)};
  for (const auto& party : roster_.parties) ids.push_back(party.id);
  return ids;
}

void Harness::Deliver(Sent sent) {
  if (sent.close) {
    closed_.insert({sent.from, sent.to});
    return;
  }
  if (closed_.count({sent.from, sent.to}) || closed_.count({sent.to, sent.from}) || crashed_.count(sent.to)) return;
  uint64_t& seq = next_seq_.try_emplace({sent.from, sent.to}, 1).first->second;
  sent.message.set_seq(seq++);
  if (tamper_) tamper_(sent);
  transcript_.push_back(sent);
  Engine& receiver = engine(sent.to);
  if (receiver.finished()) {
    (void)receiver.Handle(sent.from, sent.message);
    return;
  }
  if (Status s = receiver.Handle(sent.from, sent.message); !s.ok()) receiver.Abort(s);
}

Status Harness::Inject(const std::string& from, const std::string& to, wire::Envelope message) {
  auto key = std::make_pair(from, to);
  uint64_t& seq = next_seq_.try_emplace(key, 1).first->second;
  message.set_seq(seq);
  Status s = engine(to).Handle(from, message);
  if (s.ok()) ++seq;
  return s;
}

bool Harness::Step() {
  const auto ids_now = ids();
  // A crashed process's links drop at every other process, once.
  for (const auto& dead : crashed_) {
    if (!in_flight_.empty()) break;  // what it wrote before dying arrives first
    if (!lost_reported_.insert(dead).second) continue;
    for (const auto& id : ids_now) {
      if (id == dead || engine(id).finished()) continue;
      if (Status s = engine(id).OnPeerLost(dead, Status(Code::kPeerMissing, dead + ": connection lost")); !s.ok()) {
        engine(id).Abort(s);
      }
    }
    return true;
  }
  for (const auto& id : ids_now) {
    if (crashed_.count(id)) continue;
    if (auto request = engine(id).TakeLinkRequest()) {
      for (const auto& peer : request->peers) wanted_[id].insert(peer);
      waiting_[id] = std::set<std::string>(request->peers.begin(), request->peers.end());
      return true;
    }
  }
  for (auto& [id, peers] : waiting_) {
    bool ready = !peers.empty();
    for (const auto& peer : peers) ready = ready && wanted_[peer].count(id) != 0;
    if (!ready) continue;
    peers.clear();
    if (Status s = engine(id).OnLinksReady(); !s.ok()) engine(id).Abort(s);
    return true;
  }
  if (!in_flight_.empty()) {
    Sent sent = std::move(in_flight_.front());
    in_flight_.pop_front();
    Deliver(std::move(sent));
    return true;
  }
  for (const auto& id : ids_now) {
    if (crashed_.count(id)) continue;
    Engine& e = engine(id);
    if (e.finished() || e.pending() == Pending::kNothing) continue;
    if (Status s = e.EmitNext(); !s.ok()) e.Abort(s);
    return true;
  }
  return false;
}

void Harness::RunToEnd() {
  for (int guard = 0; guard < 1'000'000 && Step(); ++guard) {
  }
}

bool Harness::StepUntil(const std::function<bool()>& done) {
  for (int guard = 0; guard < 1'000'000; ++guard) {
    if (done()) return true;
    if (!Step()) return done();
  }
  return false;
}

}  // namespace mpcstats::core::testing
