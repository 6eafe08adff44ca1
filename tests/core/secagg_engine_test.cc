// Protocol secagg through the engines (tests/core/engine_harness.h): 5 parties talking only to
// the coordinator over in-memory links, deterministic randomness, real certificates from an
// in-memory CA. Exact sums against the plaintext with and without dropouts at each round, the
// threshold, a hostile coordinator (substituted keys, bad unmasking requests) and late inputs.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/core/coordinator/coordinator_states.h"
#include "common/core/messages.h"
#include "common/core/sharing.h"
#include "common/core/workload.h"
#include "tests/core/engine_harness.h"

namespace mpcstats::core::testing {
namespace {

constexpr size_t kParties = 5;
constexpr uint64_t kPayload = 6;

std::string Id(size_t i) { return "party" + std::to_string(i + 1); }

std::vector<uint64_t> Input(size_t i) {
  auto input = MakeVectorPayload(kPayload, 11, i);
  AppendCheckVector(&input, i, kParties);
  return input;
}

HarnessOptions Options(uint32_t threshold = 0, uint32_t chunk_values = 4) {
  HarnessOptions options;
  options.num_parties = kParties;
  options.parameters = {.workload = WorkloadKind::kVector,
                        .payload_length = kPayload,
                        .protocol = ProtocolKind::kSecAgg,
                        .chunk_values = chunk_values,
                        .threshold = threshold};
  for (size_t i = 0; i < kParties; ++i) options.inputs.push_back(Input(i));
  return options;
}

// The plaintext sum of the payloads of `included` (party indices).
std::vector<uint64_t> PlainSum(const std::set<size_t>& included) {
  std::vector<uint64_t> sum(kPayload, 0);
  for (size_t i : included) {
    const auto input = Input(i);
    AddInto(sum, std::span<const uint64_t>(input.data(), kPayload));
  }
  return sum;
}

std::vector<std::string> Ids(const std::set<size_t>& indices) {
  std::vector<std::string> ids;
  for (size_t i : indices) ids.push_back(Id(i));
  return ids;
}

PartyEngine& Party(Harness& harness, const std::string& id) { return dynamic_cast<PartyEngine&>(harness.engine(id)); }

// Nothing goes between parties: every message is to or from the coordinator.
void ExpectStarTopology(const Harness& harness) {
  for (const auto& sent : harness.transcript()) {
    EXPECT_TRUE(sent.from == kCoordinatorId || sent.to == kCoordinatorId) << sent.from << " -> " << sent.to;
  }
}

// The run succeeded over `included`: exact sums, the right sets, and every included party that
// is still there holds the coordinator's published result; nobody else got it.
void ExpectPublished(Harness& harness, const std::set<size_t>& included,
                     const std::map<std::string, std::string>& dropped, const std::set<std::string>& gone = {}) {
  const Status& verdict = harness.coordinator().outcome();
  ASSERT_TRUE(verdict.ok()) << verdict.ToString();
  const RunResult& result = harness.coordinator().result();
  EXPECT_EQ(result.vector_sums, PlainSum(included));
  EXPECT_EQ(result.included_parties, Ids(included));
  EXPECT_EQ(result.dropped_parties, dropped);
  std::string json;
  for (const auto& sent : harness.transcript()) {
    if (!sent.message.has_secagg_result()) continue;
    EXPECT_TRUE(included.count(static_cast<size_t>(harness.roster().IndexOf(sent.to))) != 0)
        << sent.to << " is not included but got the result";
    json = sent.message.secagg_result().result_json();
  }
  for (size_t i = 0; i < kParties; ++i) {
    PartyEngine& party = Party(harness, Id(i));
    if (included.count(i) != 0 && gone.count(Id(i)) == 0) {
      ASSERT_TRUE(party.outcome().ok()) << Id(i) << ": " << party.outcome().ToString();
      ASSERT_TRUE(party.published().has_value()) << Id(i);
      EXPECT_EQ(party.published()->result_json(), json);
      EXPECT_EQ(party.published()->included_parties_size(), static_cast<int>(included.size()));
    } else {
      EXPECT_FALSE(party.published().has_value()) << Id(i) << " dropped but holds the result";
    }
  }
  ExpectStarTopology(harness);
}

TEST(SecAggEngineTest, FivePartiesWithoutDropoutsSumExactly) {
  Harness harness(Options());
  harness.RunToEnd();
  ExpectPublished(harness, {0, 1, 2, 3, 4}, {});
  EXPECT_EQ(harness.coordinator().result().threshold, DefaultThreshold(kParties));
  // Start carried the threshold.
  for (const auto& sent : harness.transcript()) {
    if (sent.message.has_start()) {
      EXPECT_EQ(sent.message.start().secagg_threshold(), 4u);
    }
  }
}

TEST(SecAggEngineTest, PartyDroppingAfterAdvertiseKeysIsExcluded) {
  HarnessOptions options = Options();
  options.faults["party2"] = Fault::kExitAfterAdvertiseKeys;
  Harness harness(options);
  harness.RunToEnd();
  EXPECT_TRUE(harness.crashed("party2"));
  ExpectPublished(harness, {0, 2, 3, 4}, {{"party2", "share_keys"}}, {"party2"});
}

TEST(SecAggEngineTest, PartyDroppingBeforeItsMaskedInputIsExcluded) {
  HarnessOptions options = Options();
  options.faults["party4"] = Fault::kExitAfterShareKeys;
  Harness harness(options);
  harness.RunToEnd();
  EXPECT_TRUE(harness.crashed("party4"));
  // Its pairwise masks were applied by the others: removed through its rebuilt mask key.
  ExpectPublished(harness, {0, 1, 2, 4}, {{"party4", "masked_input"}}, {"party4"});
}

TEST(SecAggEngineTest, PartyDroppingAfterItsMaskedInputIsIncluded) {
  HarnessOptions options = Options();
  options.faults["party3"] = Fault::kExitAfterMaskedInput;
  Harness harness(options);
  harness.RunToEnd();
  EXPECT_TRUE(harness.crashed("party3"));
  // Included: its self-mask is rebuilt from the others' shares.
  ExpectPublished(harness, {0, 1, 2, 3, 4}, {{"party3", "unmasking"}}, {"party3"});
}

TEST(SecAggEngineTest, FewerThanThresholdAbortsWithNotEnoughPartiesAndPublishesNothing) {
  HarnessOptions options = Options();  // T = 4 of 5
  options.faults["party1"] = Fault::kExitAfterShareKeys;
  options.faults["party5"] = Fault::kExitAfterShareKeys;
  Harness harness(options);
  harness.RunToEnd();
  const Status& verdict = harness.coordinator().outcome();
  EXPECT_EQ(verdict.code(), Code::kNotEnoughParties) << verdict.ToString();
  EXPECT_NE(verdict.message().find("missing: party1, party5"), std::string::npos) << verdict.ToString();
  for (const auto& sent : harness.transcript()) {
    EXPECT_FALSE(sent.message.has_secagg_result());
    EXPECT_FALSE(sent.message.has_unmasking_request());
  }
  for (const char* id : {"party2", "party3", "party4"}) {
    EXPECT_NE(harness.engine(id).outcome().ToString().find("NOT_ENOUGH_PARTIES"), std::string::npos)
        << id << ": " << harness.engine(id).outcome().ToString();
    EXPECT_FALSE(Party(harness, id).published().has_value());
  }
}

TEST(SecAggEngineTest, ThresholdOutOfRangeIsRefusedByEveryParty) {
  for (uint32_t bad : {2u, 6u}) {  // T <= n/2, T > n
    HarnessOptions options = Options();
    options.tamper = [bad](Sent& sent) {
      if (sent.message.has_start()) sent.message.mutable_start()->set_secagg_threshold(bad);
    };
    Harness harness(options);
    harness.RunToEnd();
    // Each party refused the Start itself (its own Abort, BAD_INPUT naming the threshold); the run
    // failed for everyone (a refusal is not a dropout).
    for (size_t i = 0; i < kParties; ++i) {
      const Status& s = harness.engine(Id(i)).outcome();
      EXPECT_FALSE(s.ok()) << Id(i);
      EXPECT_NE(s.message().find("threshold"), std::string::npos) << s.ToString();
      size_t refusals = 0;
      for (const auto& sent : harness.transcript()) {
        refusals += sent.from == Id(i) && sent.message.has_abort() &&
                    sent.message.abort().code() == CodeToWire(Code::kBadInput) &&
                    sent.message.abort().detail().find("threshold") != std::string::npos;
      }
      EXPECT_EQ(refusals, 1u) << "T=" << bad << " " << Id(i);
    }
    EXPECT_FALSE(harness.coordinator().outcome().ok());
    for (const auto& sent : harness.transcript()) EXPECT_FALSE(sent.message.has_advertise_keys()) << "T=" << bad;
  }
}

TEST(SecAggEngineTest, CoordinatorSubstitutingAKeyIsCaught) {
  HarnessOptions options = Options();
  // A hostile coordinator hands party1 its own key in place of party2's.
  options.tamper = [](Sent& sent) {
    if (sent.to != "party1" || !sent.message.has_share_keys_request()) return;
    for (auto& entry : *sent.message.mutable_share_keys_request()->mutable_parties()) {
      if (entry.party_id() == "party2") entry.mutable_keys()->mutable_mask_public_key()->assign(32, '\x09');
    }
  };
  Harness harness(options);
  harness.RunToEnd();
  const Status& s = harness.engine("party1").outcome();
  EXPECT_EQ(s.code(), Code::kSignatureInvalid) << s.ToString();
  EXPECT_NE(s.message().find("party2"), std::string::npos) << s.ToString();
  // party1 sealed nothing under the substituted key.
  for (const auto& sent : harness.transcript()) {
    EXPECT_FALSE(sent.from == "party1" && sent.message.has_share_keys_response());
  }
}

TEST(SecAggEngineTest, PartyRefusesUnmaskingRequestsThatWouldRevealTooMuch) {
  struct Case {
    const char* what;
    std::vector<std::string> dropped;
  };
  for (const Case& c : {Case{"names itself", {"party1"}}, Case{"repeats an id", {"party2", "party2"}},
                        Case{"names a stranger", {"party9"}}}) {
    HarnessOptions options = Options();
    options.tamper = [&c](Sent& sent) {
      if (sent.to != "party1" || !sent.message.has_unmasking_request()) return;
      auto* request = sent.message.mutable_unmasking_request();
      request->clear_dropped_parties();
      for (const auto& id : c.dropped) request->add_dropped_parties(id);
    };
    Harness harness(options);
    harness.RunToEnd();
    const Status& s = harness.engine("party1").outcome();
    EXPECT_EQ(s.code(), Code::kUnmaskingRefused) << c.what << ": " << s.ToString();
    for (const auto& sent : harness.transcript()) {
      EXPECT_FALSE(sent.from == "party1" && sent.message.has_unmasking_response()) << c.what;
    }
  }
}

TEST(SecAggEngineTest, PartyRefusesASecondUnmaskingRequest) {
  Harness harness(Options());
  ASSERT_TRUE(harness.StepUntil([&] { return Party(harness, "party1").state_name() == "secagg: waiting for the result"; }));
  wire::Envelope again = MakeEnvelope(harness.coordinator().result().run_id, std::string(kCoordinatorId));
  again.mutable_unmasking_request()->add_dropped_parties("party2");  // changes a peer's status, too
  EXPECT_EQ(harness.Inject(std::string(kCoordinatorId), "party1", again).code(), Code::kUnmaskingRefused);
}

// A message that fails the checks every message gets before a round sees it (another run, another
// sender's id, a sequence number out of order) costs the party its place, as a bad round message
// does: party3 is told why and dropped, the other four get the exact sum over themselves.
TEST(SecAggEngineTest, PartyFailingTheEnvelopeChecksIsDroppedAndTheOthersSum) {
  struct Case {
    std::string name;
    std::function<void(wire::Envelope&)> spoil;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"another run", [](wire::Envelope& m) { m.set_run_id("0badc0de"); }, "WRONG_RUN"},
      {"another sender", [](wire::Envelope& m) { m.set_sender("party1"); }, "WRONG_SENDER"},
      {"skipped sequence number", [](wire::Envelope& m) { m.set_seq(m.seq() + 5); }, "BAD_FRAME"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HarnessOptions options = Options();
    bool spoiled = false;
    options.tamper = [&](Sent& sent) {
      if (spoiled || sent.from != "party3" || sent.to != kCoordinatorId || !sent.message.has_advertise_keys()) return;
      spoiled = true;
      c.spoil(sent.message);
    };
    Harness harness(options);
    harness.RunToEnd();
    ASSERT_TRUE(spoiled);
    ExpectPublished(harness, {0, 1, 3, 4}, {{"party3", "advertise_keys"}});
    const Status& refused = Party(harness, "party3").outcome();
    EXPECT_EQ(refused.code(), Code::kAborted);
    EXPECT_NE(refused.message().find(c.code), std::string::npos) << refused.ToString();
  }
}

TEST(SecAggEngineTest, SilentPartyDropsOnTheDeadlineAndItsLateMaskedInputIsRefused) {
  Harness harness(Options(/*threshold=*/4, /*chunk_values=*/kPayload + kParties));
  CoordinatorEngine& coordinator = harness.coordinator();
  // Four masked inputs are in, party5's is not: the round's deadline passes.
  ASSERT_TRUE(harness.StepUntil([&] {
    const auto& secagg = coordinator.context().secagg;
    if (!secagg || secagg->round() != SecAggRound::kMaskedInput) return false;
    for (size_t i = 0; i + 1 < kParties; ++i) {
      if (!secagg->MaskedInputComplete(Id(i))) return false;
    }
    return !secagg->MaskedInputComplete("party5");
  }));
  ASSERT_TRUE(coordinator.OnDeadline().ok());
  EXPECT_EQ(coordinator.context().secagg->round(), SecAggRound::kUnmasking);
  // Its masked input, arriving now, is refused: party5 is not included.
  wire::Envelope late = MakeEnvelope(coordinator.result().run_id, "party5");
  late.mutable_masked_input()->set_offset(0);
  for (uint64_t v : Input(4)) late.mutable_masked_input()->add_values(v);
  ASSERT_TRUE(harness.Inject("party5", std::string(kCoordinatorId), late).ok());
  harness.RunToEnd();
  ExpectPublished(harness, {0, 1, 2, 3}, {{"party5", "masked_input"}});
}

}  // namespace
}  // namespace mpcstats::core::testing
