// The protocol engines in the style of fcp/secagg's tests: a 3-party run in one process
// (tests/core/engine_harness.h) with deterministic randomness, asserting the exact envelopes
// every round sends on every link, for both protocols; every (round, message type) pair, with
// the illegal ones refused with a reason code and the round unchanged; and the faults of
// --inject-fault as an outbox decorator.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <google/protobuf/util/message_differencer.h>

#include <map>
#include <string>
#include <vector>

#include "common/core/coordinator_protocol.h"
#include "common/core/messages.h"
#include "common/core/sharing.h"
#include "common/core/workload.h"
#include "tests/core/engine_harness.h"

namespace mpcstats::core::testing {
namespace {

constexpr size_t kParties = 3;
constexpr uint64_t kPayload = 4;
constexpr uint64_t kLength = kPayload + kParties;

std::vector<std::vector<uint64_t>> Inputs() {
  std::vector<std::vector<uint64_t>> inputs;
  for (size_t i = 0; i < kParties; ++i) {
    auto input = MakeVectorPayload(kPayload, 7, i);
    AppendCheckVector(&input, i, kParties);
    inputs.push_back(input);
  }
  return inputs;
}

HarnessOptions Options(ProtocolKind protocol, uint32_t chunk_values) {
  HarnessOptions options;
  options.num_parties = kParties;
  options.parameters = {.workload = WorkloadKind::kVector,
                        .payload_length = kPayload,
                        .protocol = protocol,
                        .chunk_values = chunk_values};
  options.inputs = Inputs();
  return options;
}

std::string Id(size_t i) { return "party" + std::to_string(i + 1); }

wire::Envelope Envelope(const std::string& run_id, const std::string& sender) {
  return MakeEnvelope(run_id, sender);
}

std::string ExpectedRunId() {
  DeterministicRandom rng(0xc0);
  return NewRunId(rng);
}

// What every party sends the coordinator after its partial sum: the harness measures no link,
// the fake clock never moves.
wire::Metrics ExpectedMetrics() {
  wire::Metrics metrics;
  for (const char* phase : {"wait_coordinator", "wait_start", kPhaseConnect, kPhaseShares, kPhaseSumming,
                            kPhaseAggregation, "total"}) {
    (*metrics.mutable_phase_seconds())[phase] = 0.0;
  }
  return metrics;
}

using Transcript = std::map<std::pair<std::string, std::string>, std::vector<wire::Envelope>>;

Transcript ByLink(const std::vector<Sent>& sent) {
  Transcript links;
  for (const auto& s : sent) {
    wire::Envelope message = s.message;
    message.clear_seq();  // numbering is the link's
    links[{s.from, s.to}].push_back(message);
  }
  return links;
}

void ExpectSameTranscript(const Transcript& expected, const Transcript& actual) {
  for (const auto& [link, messages] : expected) {
    auto it = actual.find(link);
    ASSERT_NE(it, actual.end()) << link.first << " -> " << link.second << " sent nothing";
    ASSERT_EQ(it->second.size(), messages.size()) << link.first << " -> " << link.second;
    for (size_t k = 0; k < messages.size(); ++k) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(messages[k], it->second[k]))
          << link.first << " -> " << link.second << " message " << k << "\nexpected " << messages[k].DebugString()
          << "actual " << it->second[k].DebugString();
    }
  }
  for (const auto& [link, messages] : actual) {
    EXPECT_TRUE(expected.count(link)) << "unexpected traffic " << link.first << " -> " << link.second;
  }
}

// Start, as the coordinator must send it to each party.
wire::Envelope ExpectedStart(const Harness& harness, const std::string& run_id, ProtocolKind protocol,
                             uint32_t chunk_values) {
  wire::Envelope start = Envelope(run_id, std::string(kCoordinatorId));
  wire::Start& s = *start.mutable_start();
  s.set_num_parties(kParties);
  s.set_roster_digest(harness.roster().Digest());
  s.set_vector_length(kLength);
  // Written out, not mapped with ProtocolToWire: the transcript pins the wire's enum values.
  s.set_protocol(protocol == ProtocolKind::kSeeded ? wire::PROTOCOL_SEEDED : wire::PROTOCOL_FULL);
  s.set_chunk_values(chunk_values);
  s.set_workload(wire::WORKLOAD_VECTOR);
  return start;
}

void AddCoordinatorTraffic(const Harness& harness, const std::string& run_id, ProtocolKind protocol,
                           uint32_t chunk_values, Transcript* expected) {
  for (size_t i = 0; i < kParties; ++i) {
    auto& to_party = (*expected)[{std::string(kCoordinatorId), Id(i)}];
    to_party.push_back(ExpectedStart(harness, run_id, protocol, chunk_values));
    wire::Envelope done = Envelope(run_id, std::string(kCoordinatorId));
    done.mutable_done();
    to_party.push_back(done);
  }
}

std::vector<uint64_t> PrgStream(const AesKey& key, uint64_t length) {
  AesCtrPrg prg(key);
  std::vector<uint64_t> out(length);
  prg.Fill(out);
  return out;
}

TEST(EngineGoldenTest, SeededRunSendsExactlyTheseEnvelopes) {
  Harness harness(Options(ProtocolKind::kSeeded, kDefaultChunkValues));
  harness.RunToEnd();
  for (const auto& id : harness.ids()) {
    ASSERT_TRUE(harness.engine(id).outcome().ok()) << id << ": " << harness.engine(id).outcome().ToString();
  }
  const std::string run_id = ExpectedRunId();
  Transcript expected;
  AddCoordinatorTraffic(harness, run_id, ProtocolKind::kSeeded, kDefaultChunkValues, &expected);

  // Each party draws one 16-byte key per peer, in roster order, from its own source.
  std::map<std::pair<size_t, size_t>, AesKey> keys;
  for (size_t i = 0; i < kParties; ++i) {
    DeterministicRandom rng(static_cast<uint8_t>(i + 1));
    for (size_t j = 0; j < kParties; ++j) {
      if (j == i) continue;
      AesKey key{};
      rng.FillBytes(key);
      keys[{i, j}] = key;
      wire::Envelope seed = Envelope(run_id, Id(i));
      seed.mutable_seed_share()->set_key(key.data(), key.size());
      expected[{Id(i), Id(j)}].push_back(seed);
    }
  }
  // Partial sum of party i: its input minus the streams it gave away plus the ones it got.
  const auto inputs = Inputs();
  for (size_t i = 0; i < kParties; ++i) {
    std::vector<uint64_t> sum = inputs[i];
    for (size_t j = 0; j < kParties; ++j) {
      if (j == i) continue;
      SubtractFrom(sum, PrgStream(keys[{i, j}], kLength));
      AddInto(sum, PrgStream(keys[{j, i}], kLength));
    }
    wire::Envelope partial = Envelope(run_id, Id(i));
    partial.mutable_partial_sum()->set_offset(0);
    for (uint64_t v : sum) partial.mutable_partial_sum()->add_values(v);
    wire::Envelope metrics = Envelope(run_id, Id(i));
    *metrics.mutable_metrics() = ExpectedMetrics();
    expected[{Id(i), std::string(kCoordinatorId)}] = {partial, metrics};
  }
  ExpectSameTranscript(expected, ByLink(harness.transcript()));

  // And the revealed sums are the plaintext sums.
  std::vector<uint64_t> plain(kPayload, 0);
  for (const auto& input : inputs) AddInto(plain, std::span<const uint64_t>(input.data(), kPayload));
  EXPECT_EQ(harness.coordinator().result().vector_sums, plain);
}

TEST(EngineGoldenTest, FullRunSendsExactlyTheseEnvelopes) {
  constexpr uint32_t kChunk = 3;  // 7 values: chunks of 3, 3, 1
  Harness harness(Options(ProtocolKind::kFull, kChunk));
  harness.RunToEnd();
  for (const auto& id : harness.ids()) {
    ASSERT_TRUE(harness.engine(id).outcome().ok()) << id << ": " << harness.engine(id).outcome().ToString();
  }
  const std::string run_id = ExpectedRunId();
  Transcript expected;
  AddCoordinatorTraffic(harness, run_id, ProtocolKind::kFull, kChunk, &expected);

  const auto inputs = Inputs();
  std::vector<std::vector<uint64_t>> sums = inputs;
  // Party i, chunk by chunk, draws one random chunk per peer in roster order.
  for (size_t i = 0; i < kParties; ++i) {
    DeterministicRandom rng(static_cast<uint8_t>(i + 1));
    for (uint64_t offset = 0; offset < kLength; offset += kChunk) {
      const uint64_t count = std::min<uint64_t>(kChunk, kLength - offset);
      for (size_t j = 0; j < kParties; ++j) {
        if (j == i) continue;
        std::vector<uint64_t> share(count);
        rng.Fill(share);
        SubtractFrom(std::span<uint64_t>(sums[i].data() + offset, count), share);
        AddInto(std::span<uint64_t>(sums[j].data() + offset, count), share);
        wire::Envelope message = Envelope(run_id, Id(i));
        message.mutable_shares()->set_offset(offset);
        for (uint64_t v : share) message.mutable_shares()->add_values(v);
        expected[{Id(i), Id(j)}].push_back(message);
      }
    }
  }
  for (size_t i = 0; i < kParties; ++i) {
    auto& to_coordinator = expected[{Id(i), std::string(kCoordinatorId)}];
    for (uint64_t offset = 0; offset < kLength; offset += kChunk) {
      wire::Envelope partial = Envelope(run_id, Id(i));
      partial.mutable_partial_sum()->set_offset(offset);
      for (uint64_t k = offset; k < std::min<uint64_t>(offset + kChunk, kLength); ++k) {
        partial.mutable_partial_sum()->add_values(sums[i][k]);
      }
      to_coordinator.push_back(partial);
    }
    wire::Envelope metrics = Envelope(run_id, Id(i));
    *metrics.mutable_metrics() = ExpectedMetrics();
    to_coordinator.push_back(metrics);
  }
  ExpectSameTranscript(expected, ByLink(harness.transcript()));
}

// ---- Every (round, message type) pair ------------------------------------------------------

struct Body {
  const char* name;
  BodyCase body;
};

const std::vector<Body>& AllBodies() {
  static const std::vector<Body> bodies = {
      {"Hello", wire::Envelope::kHello},       {"HelloAck", wire::Envelope::kHelloAck},
      {"Start", wire::Envelope::kStart},       {"ShareVector", wire::Envelope::kShares},
      {"PartialSum", wire::Envelope::kPartialSum}, {"Done", wire::Envelope::kDone},
      {"Metrics", wire::Envelope::kMetrics},   {"SeedShare", wire::Envelope::kSeedShare},
      {"Empty", wire::Envelope::BODY_NOT_SET},
  };
  return bodies;
}

wire::Envelope WithBody(const std::string& run_id, const std::string& sender, BodyCase body, const Harness& harness) {
  wire::Envelope m = Envelope(run_id, sender);
  switch (body) {
    case wire::Envelope::kHello: m.mutable_hello()->set_protocol_version(kProtocolVersion); break;
    case wire::Envelope::kHelloAck: m.mutable_hello_ack(); break;
    case wire::Envelope::kStart:
      *m.mutable_start() = ExpectedStart(harness, run_id, ProtocolKind::kSeeded, kDefaultChunkValues).start();
      break;
    case wire::Envelope::kShares:
      m.mutable_shares()->set_offset(0);
      m.mutable_shares()->add_values(1);
      break;
    case wire::Envelope::kPartialSum:
      m.mutable_partial_sum()->set_offset(0);
      m.mutable_partial_sum()->add_values(1);
      break;
    case wire::Envelope::kDone: m.mutable_done(); break;
    case wire::Envelope::kMetrics: m.mutable_metrics(); break;
    case wire::Envelope::kSeedShare: m.mutable_seed_share()->set_key(std::string(16, 'k')); break;
    default: break;
  }
  return m;
}

// Who would send this message to `to`: the coordinator's messages come from the coordinator,
// a party's to a party from its peer party2 (party1 is the one under test), the rest from party1.
std::string NaturalSender(const std::string& to, BodyCase body) {
  if (to == kCoordinatorId) return "party1";
  if (body == wire::Envelope::kShares || body == wire::Envelope::kSeedShare) return "party2";
  return std::string(kCoordinatorId);
}

struct MatrixCase {
  ProtocolKind protocol;
  std::string process;
  std::string state;
  std::set<BodyCase> legal;  // allowed here (their content checks are tested elsewhere)
};

void PrintTo(const MatrixCase& c, std::ostream* out) {
  *out << ProtocolName(c.protocol) << "/" << c.process << "/" << c.state;
}

std::vector<MatrixCase> MatrixCases() {
  std::vector<MatrixCase> cases;
  for (ProtocolKind protocol : {ProtocolKind::kSeeded, ProtocolKind::kFull}) {
    const BodyCase share = protocol == ProtocolKind::kSeeded ? wire::Envelope::kSeedShare : wire::Envelope::kShares;
    cases.push_back({protocol, "party1", "waiting for Start", {wire::Envelope::kStart}});
    cases.push_back({protocol, "party1",
                     protocol == ProtocolKind::kSeeded ? "exchanging seeds" : "exchanging share vectors",
                     {share}});
    cases.push_back({protocol, "party1", "sending the partial sum", {}});
    cases.push_back({protocol, "party1", "waiting for the coordinator's verdict", {wire::Envelope::kDone}});
    cases.push_back({protocol, "party1", "completed", {}});
    cases.push_back({protocol, "coordinator", "admitting the parties", {}});
    cases.push_back({protocol, "coordinator", "collecting partial sums", {wire::Envelope::kPartialSum}});
    cases.push_back({protocol, "coordinator", "published", {}});
  }
  return cases;
}

class EngineMatrixTest : public ::testing::TestWithParam<MatrixCase> {};

TEST_P(EngineMatrixTest, IllegalMessagesAreRefusedAndLeaveTheRoundAsItWas) {
  const MatrixCase& c = GetParam();
  // Chunks of 3: the full protocol's rounds last several steps.
  Harness harness(Options(c.protocol, c.protocol == ProtocolKind::kFull ? 3 : kDefaultChunkValues));
  Engine& engine = harness.engine(c.process);
  ASSERT_TRUE(harness.StepUntil([&] { return engine.state_name() == c.state; }))
      << c.process << " never reached '" << c.state << "' (now '" << engine.state_name() << "')";
  const std::string run_id = harness.coordinator().result().run_id;
  for (const Body& body : AllBodies()) {
    if (c.legal.count(body.body)) continue;
    const std::string sender = NaturalSender(c.process, body.body);
    const Status s = harness.Inject(sender, c.process, WithBody(run_id, sender, body.body, harness));
    EXPECT_EQ(engine.state_name(), c.state) << body.name;
    if (engine.finished()) {
      EXPECT_TRUE(s.ok()) << body.name << " after the end: " << s.ToString();
      continue;
    }
    ASSERT_FALSE(s.ok()) << body.name << " accepted while " << c.state;
    EXPECT_TRUE(s.code() == Code::kUnexpectedMessage || s.code() == Code::kWrongSender) << body.name << ": "
                                                                                        << s.ToString();
  }
  // Nothing refused changed anything: the run still ends with every process done.
  harness.RunToEnd();
  for (const auto& id : harness.ids()) {
    EXPECT_TRUE(harness.engine(id).outcome().ok()) << id << ": " << harness.engine(id).outcome().ToString();
  }
}

INSTANTIATE_TEST_SUITE_P(AllRounds, EngineMatrixTest, ::testing::ValuesIn(MatrixCases()),
                         [](const ::testing::TestParamInfo<MatrixCase>& info) {
                           std::string name = fmt::format("{}_{}_{}", ProtocolName(info.param.protocol),
                                                          info.param.process, info.param.state);
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(EngineChecksTest, WrongRunSenderAndSequenceAreRefusedBeforeAnyRound) {
  Harness harness(Options(ProtocolKind::kSeeded, kDefaultChunkValues));
  Engine& coordinator = harness.engine(std::string(kCoordinatorId));
  ASSERT_TRUE(harness.StepUntil([&] { return coordinator.state_name() == "collecting partial sums"; }));
  const std::string run_id = harness.coordinator().result().run_id;
  wire::Envelope other_run = WithBody("0badc0de", "party1", wire::Envelope::kPartialSum, harness);
  EXPECT_EQ(harness.Inject("party1", "coordinator", other_run).code(), Code::kWrongRun);
  wire::Envelope impostor = WithBody(run_id, "party2", wire::Envelope::kPartialSum, harness);
  EXPECT_EQ(harness.Inject("party1", "coordinator", impostor).code(), Code::kWrongSender);
  wire::Envelope replay = WithBody(run_id, "party1", wire::Envelope::kPartialSum, harness);
  replay.set_seq(0);
  EXPECT_EQ(coordinator.Handle("party1", replay).code(), Code::kDuplicateMessage);
  replay.set_seq(9);
  EXPECT_EQ(coordinator.Handle("party1", replay).code(), Code::kBadFrame);
  EXPECT_EQ(coordinator.state_name(), "collecting partial sums");
}

TEST(EngineChecksTest, DeadlineNamesWhoIsMissing) {
  Harness harness(Options(ProtocolKind::kSeeded, kDefaultChunkValues));
  Engine& coordinator = harness.engine(std::string(kCoordinatorId));
  ASSERT_TRUE(harness.StepUntil([&] { return coordinator.state_name() == "collecting partial sums"; }));
  const Status s = coordinator.OnDeadline();
  EXPECT_EQ(s.code(), Code::kTimeout);
  EXPECT_NE(s.message().find("party1, party2, party3"), std::string::npos) << s.ToString();
}

TEST(EngineChecksTest, PatienceFollowsTheRound) {
  // The coordinator waits out the share phase (which sends it nothing) on a backstop, then one
  // timeout once partial sums flow; a party waiting for the verdict keeps a margin over the
  // coordinator's own deadline, so the verdict naming a straggler reaches it first.
  using std::chrono::milliseconds;
  const milliseconds timeout(5000);
  Harness harness(Options(ProtocolKind::kSeeded, kDefaultChunkValues));
  Engine& coordinator = harness.engine(std::string(kCoordinatorId));
  Engine& party = harness.engine("party1");
  ASSERT_TRUE(harness.StepUntil([&] { return coordinator.state_name() == "collecting partial sums"; }));
  EXPECT_EQ(coordinator.Patience(timeout), 2 * timeout + milliseconds(2000));
  // Before Start a party keeps a margin over the coordinator's one-timeout wait for the last
  // connection (secagg starts without an absent party; the mesh protocols name it).
  ASSERT_EQ(party.state_name(), "waiting for Start");
  EXPECT_EQ(party.Patience(timeout), timeout + milliseconds(2000));
  ASSERT_TRUE(harness.StepUntil([&] { return party.state_name() != "waiting for Start"; }));
  EXPECT_NE(party.state_name(), "waiting for the coordinator's verdict");
  EXPECT_EQ(party.Patience(timeout), timeout);
  ASSERT_TRUE(harness.StepUntil([&] { return party.state_name() == "waiting for the coordinator's verdict"; }));
  ASSERT_TRUE(harness.StepUntil([&] { return coordinator.Patience(timeout) == timeout; }));
  EXPECT_EQ(party.Patience(timeout), timeout + milliseconds(2000));
  EXPECT_EQ(party.Patience(milliseconds(500)), milliseconds(1000));
}

TEST(EngineChecksTest, LostPartyBeforeTheVerdictFailsTheRun) {
  Harness harness(Options(ProtocolKind::kSeeded, kDefaultChunkValues));
  Engine& coordinator = harness.engine(std::string(kCoordinatorId));
  ASSERT_TRUE(harness.StepUntil([&] { return coordinator.state_name() == "collecting partial sums"; }));
  const Status cause(Code::kPeerMissing, "party3: connection lost");
  EXPECT_EQ(coordinator.OnPeerLost("party3", cause).code(), Code::kPeerMissing);
}

// ---- Faults, as --inject-fault makes them ---------------------------------------------------

class FaultTest : public ::testing::TestWithParam<ProtocolKind> {};

TEST_P(FaultTest, ShortShareIsRefusedNamingTheSender) {
  HarnessOptions options = Options(GetParam(), 3);
  options.faults["party1"] = Fault::kShortShare;
  Harness harness(options);
  harness.RunToEnd();
  for (const char* peer : {"party2", "party3"}) {
    const Status& s = harness.engine(peer).outcome();
    EXPECT_TRUE(s.code() == Code::kInvalidShare || s.code() == Code::kAborted) << s.ToString();
    EXPECT_NE(s.ToString().find("INVALID_SHARE"), std::string::npos) << s.ToString();
    EXPECT_NE(s.ToString().find("party1"), std::string::npos) << s.ToString();
  }
  const Status& verdict = harness.engine("coordinator").outcome();
  EXPECT_NE(verdict.ToString().find("INVALID_SHARE"), std::string::npos) << verdict.ToString();
  for (const auto& sent : harness.transcript()) EXPECT_FALSE(sent.message.has_done());
}

INSTANTIATE_TEST_SUITE_P(BothProtocols, FaultTest, ::testing::Values(ProtocolKind::kSeeded, ProtocolKind::kFull));

TEST(EngineFaultTest, SecondPartialSumIsDuplicateAndNothingIsPublished) {
  HarnessOptions options = Options(ProtocolKind::kSeeded, kDefaultChunkValues);
  options.faults["party1"] = Fault::kSecondPartialSum;
  Harness harness(options);
  harness.RunToEnd();
  const Status& verdict = harness.engine("coordinator").outcome();
  EXPECT_EQ(verdict.code(), Code::kDuplicateMessage) << verdict.ToString();
  EXPECT_NE(verdict.message().find("party1 sent a second partial sum"), std::string::npos) << verdict.ToString();
  for (const char* party : {"party1", "party2", "party3"}) {
    EXPECT_NE(harness.engine(party).outcome().ToString().find("DUPLICATE_MESSAGE"), std::string::npos) << party;
  }
  for (const auto& sent : harness.transcript()) EXPECT_FALSE(sent.message.has_done());
}

TEST(EngineFaultTest, ExitAfterThePartialSumFailsTheRunNamingTheParty) {
  HarnessOptions options = Options(ProtocolKind::kFull, 3);
  options.faults["party2"] = Fault::kExitAfterPartialSum;
  Harness harness(options);
  harness.RunToEnd();
  EXPECT_TRUE(harness.crashed("party2"));
  // Its whole partial sum arrived, its Metrics never did.
  size_t chunks = 0;
  for (const auto& sent : harness.transcript()) {
    if (sent.from == "party2" && sent.to == "coordinator") {
      EXPECT_TRUE(sent.message.has_partial_sum());
      ++chunks;
    }
    EXPECT_FALSE(sent.message.has_done());
  }
  EXPECT_EQ(chunks, 3u);
  const Status& verdict = harness.engine("coordinator").outcome();
  EXPECT_EQ(verdict.code(), Code::kPeerMissing) << verdict.ToString();
  EXPECT_NE(verdict.message().find("party2"), std::string::npos);
  for (const char* party : {"party1", "party3"}) {
    EXPECT_NE(harness.engine(party).outcome().ToString().find("party2"), std::string::npos)
        << party << ": " << harness.engine(party).outcome().ToString();
  }
}

}  // namespace
}  // namespace mpcstats::core::testing
