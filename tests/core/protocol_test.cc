// The party and coordinator state machines run in one process, no sockets: N PartyProtocol
// instances and one CoordinatorProtocol, with the test routing every message. Both protocols
// ("full": share vectors, "seeded": AES keys) and several chunk sizes; the revealed totals must be
// bit-exact against the plaintext sum, and every misuse must get its reason code.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/core/coordinator_protocol.h"
#include "common/core/local_aggregates.h"
#include "common/core/party_protocol.h"
#include "common/core/roster.h"
#include "common/core/secure_random.h"
#include "tests/support/category_vector.h"

namespace mpcstats::core {
namespace {

Roster MakeRoster(size_t n) {
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

// Random aggregates with distinctive large values (full 64-bit range), so that a value equal to
// the plaintext in an outgoing message cannot be a coincidence (probability 2^-64 per entry).
LocalAggregates RandomAggregates(size_t categories, RandomSource& rng) {
  LocalAggregates local;
  local.visits_per_category.resize(categories);
  rng.Fill(local.visits_per_category);
  std::vector<uint64_t> users(1);
  rng.Fill(users);
  local.users = users[0];
  return local;
}

struct InProcessRun {
  Roster roster;
  VectorLayout layout;
  RunParameters parameters;
  std::vector<LocalAggregates> locals;
  std::vector<std::vector<uint64_t>> inputs;
  std::vector<std::unique_ptr<PartyProtocol>> parties;
  std::unique_ptr<CoordinatorProtocol> coordinator;
  std::vector<std::vector<wire::PartialSum>> partial_sums;  // per party, chunk by chunk
  // Everything party i sent to another party (full: share chunks; seeded: keys).
  std::vector<std::vector<wire::ShareVector>> sent_shares;
  std::vector<std::vector<wire::SeedShare>> sent_seeds;
};

const std::string& Id(const InProcessRun& run, size_t i) { return run.roster.parties[i].id; }

// Builds the run and delivers Start to every party.
InProcessRun StartRun(size_t n, ProtocolKind protocol, uint32_t chunk_values, RandomSource& rng) {
  InProcessRun run;
  run.roster = MakeRoster(n);
  run.layout = VectorLayout{run.roster.categories.size(), n};
  run.parameters.workload = WorkloadKind::kVector;
  run.parameters.payload_length = run.layout.num_categories + 1;
  run.parameters.protocol = protocol;
  run.parameters.chunk_values = chunk_values;
  run.coordinator = std::make_unique<CoordinatorProtocol>(run.roster, run.parameters);
  const wire::Start start = run.coordinator->MakeStart();
  EXPECT_EQ(start.vector_length(), run.layout.size());
  for (size_t i = 0; i < n; ++i) {
    run.locals.push_back(RandomAggregates(run.layout.num_categories, rng));
    run.inputs.push_back(EncodeInput(run.locals[i], run.layout, i));
    run.parties.push_back(std::make_unique<PartyProtocol>(run.roster, Id(run, i), run.inputs[i]));
    const Status s = run.parties[i]->OnStart(start);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  run.partial_sums.resize(n);
  run.sent_shares.resize(n);
  run.sent_seeds.resize(n);
  return run;
}

size_t IndexOfId(const InProcessRun& run, const std::string& id) {
  const int index = run.roster.IndexOf(id);
  EXPECT_GE(index, 0) << id;
  return static_cast<size_t>(index);
}

// Every party sends its shares and receives its peers' shares.
void ExchangeShares(InProcessRun& run, RandomSource& rng) {
  const size_t n = run.parties.size();
  if (run.parameters.protocol == ProtocolKind::kFull) {
    const size_t chunks = run.parties[0]->num_chunks();
    for (size_t c = 0; c < chunks; ++c) {
      for (size_t i = 0; i < n; ++i) {
        auto out = run.parties[i]->MakeShareChunk(c, rng);
        ASSERT_TRUE(out.ok()) << out.status().ToString();
        ASSERT_EQ(out->size(), n - 1);
        for (auto& [to, chunk] : *out) {
          ASSERT_NE(to, Id(run, i));
          run.sent_shares[i].push_back(chunk);
          const Status s = run.parties[IndexOfId(run, to)]->OnShareChunk(Id(run, i), chunk);
          ASSERT_TRUE(s.ok()) << s.ToString();
        }
      }
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      auto out = run.parties[i]->MakeSeeds(rng);
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      ASSERT_EQ(out->size(), n - 1);
      for (auto& [to, seed] : *out) {
        ASSERT_NE(to, Id(run, i));
        run.sent_seeds[i].push_back(seed);
        const Status s = run.parties[IndexOfId(run, to)]->OnSeed(Id(run, i), seed);
        ASSERT_TRUE(s.ok()) << s.ToString();
      }
    }
  }
  for (size_t i = 0; i < n; ++i) EXPECT_TRUE(run.parties[i]->ReadyForPartialSum()) << Id(run, i);
}

// Every party produces its partial sum chunks (kept in run.partial_sums).
void MakePartialSums(InProcessRun& run) {
  for (size_t i = 0; i < run.parties.size(); ++i) {
    for (size_t c = 0; c < run.parties[i]->num_chunks(); ++c) {
      auto chunk = run.parties[i]->MakePartialSumChunk(c);
      ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
      run.partial_sums[i].push_back(*chunk);
    }
  }
}

void DeliverPartialSums(InProcessRun& run, CoordinatorProtocol& coordinator, size_t skip = SIZE_MAX) {
  for (size_t i = 0; i < run.parties.size(); ++i) {
    if (i == skip) continue;
    for (const auto& chunk : run.partial_sums[i]) {
      const Status s = coordinator.OnPartialSum(Id(run, i), chunk);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }
}

std::vector<uint64_t> PlainSum(const InProcessRun& run) {
  std::vector<uint64_t> sum(run.layout.size(), 0);
  for (const auto& input : run.inputs) {
    for (size_t k = 0; k < sum.size(); ++k) sum[k] += input[k];
  }
  return sum;
}

// Values of a partial sum, concatenated over its chunks.
std::vector<uint64_t> Concatenate(const std::vector<wire::PartialSum>& chunks) {
  std::vector<uint64_t> out;
  for (const auto& c : chunks) out.insert(out.end(), c.values().begin(), c.values().end());
  return out;
}

struct Config {
  size_t n;
  ProtocolKind protocol;
  uint32_t chunk_values;
};

std::string ConfigName(const ::testing::TestParamInfo<Config>& info) {
  return "N" + std::to_string(info.param.n) + "_" + std::string(ProtocolName(info.param.protocol)) + "_chunk" +
         std::to_string(info.param.chunk_values);
}

class ProtocolRunTest : public ::testing::TestWithParam<Config> {};

TEST_P(ProtocolRunTest, RevealsExactlyThePlaintextSum) {
  const Config config = GetParam();
  SecureRandom rng;
  InProcessRun run = StartRun(config.n, config.protocol, config.chunk_values, rng);
  ASSERT_NO_FATAL_FAILURE(ExchangeShares(run, rng));
  ASSERT_NO_FATAL_FAILURE(MakePartialSums(run));
  ASSERT_NO_FATAL_FAILURE(DeliverPartialSums(run, *run.coordinator));
  ASSERT_TRUE(run.coordinator->Complete());
  EXPECT_TRUE(run.coordinator->Missing().empty());

  const std::vector<uint64_t> expected = PlainSum(run);
  EXPECT_EQ(run.coordinator->Totals(), expected);
  const Status verified = run.coordinator->VerifyTotals();
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  // The payload is the plaintext sum of the parties' own aggregates.
  std::vector<uint64_t> payload(run.layout.payload_length(), 0);
  for (const auto& local : run.locals) {
    for (size_t c = 0; c < run.layout.num_categories; ++c) payload[c] += local.visits_per_category[c];
    payload[run.layout.users_index()] += local.users;
  }
  const auto revealed = run.coordinator->Payload();
  EXPECT_EQ(std::vector<uint64_t>(revealed.begin(), revealed.end()), payload);

  // After its last partial sum chunk a party is done: nothing more comes out of it.
  EXPECT_FALSE(run.parties[0]->MakePartialSumChunk(run.parties[0]->num_chunks()).ok());
  EXPECT_FALSE(run.parties[0]->ReadyForPartialSum());
}

// Nothing but shares leaves a party: no outgoing value equals one of the party's (distinctive,
// uniformly random) input values, at the same index or anywhere, and the partial sum differs from
// the input everywhere. A correct implementation fails this with probability about 2^-55.
TEST_P(ProtocolRunTest, NothingButSharesLeavesAParty) {
  const Config config = GetParam();
  SecureRandom rng;
  InProcessRun run = StartRun(config.n, config.protocol, config.chunk_values, rng);
  ASSERT_NO_FATAL_FAILURE(ExchangeShares(run, rng));
  ASSERT_NO_FATAL_FAILURE(MakePartialSums(run));
  const size_t payload = run.parameters.payload_length;  // the check vector (0/1) is not distinctive
  for (size_t i = 0; i < run.parties.size(); ++i) {
    const auto& input = run.inputs[i];
    const std::set<uint64_t> secret_values(input.begin(), input.begin() + static_cast<ptrdiff_t>(payload));
    size_t values_seen = 0;
    for (const auto& chunk : run.sent_shares[i]) {
      for (int k = 0; k < chunk.values_size(); ++k) {
        const uint64_t index = chunk.offset() + static_cast<uint64_t>(k);
        ++values_seen;
        if (index < payload) {
          EXPECT_NE(chunk.values(k), input[index]) << Id(run, i) << " sent its input at index " << index;
        }
        EXPECT_EQ(secret_values.count(chunk.values(k)), 0u) << Id(run, i) << " sent one of its input values";
      }
    }
    if (config.protocol == ProtocolKind::kFull) {
      EXPECT_EQ(values_seen, (run.parties.size() - 1) * run.layout.size());
    }
    for (const auto& seed : run.sent_seeds[i]) {
      EXPECT_EQ(seed.key().size(), 16u);
      for (size_t off = 0; off + 8 <= seed.key().size(); ++off) {
        uint64_t word = 0;
        std::memcpy(&word, seed.key().data() + off, 8);
        EXPECT_EQ(secret_values.count(word), 0u) << Id(run, i) << " put an input value in a seed";
      }
    }
    const std::vector<uint64_t> partial = Concatenate(run.partial_sums[i]);
    ASSERT_EQ(partial.size(), input.size());
    for (size_t k = 0; k < payload; ++k) {
      EXPECT_NE(partial[k], input[k]) << Id(run, i) << " partial sum equals its input at " << k;
    }
  }
  // Seeds are fresh: no two keys equal.
  std::set<std::string> keys;
  size_t total_keys = 0;
  for (const auto& seeds : run.sent_seeds) {
    for (const auto& seed : seeds) {
      keys.insert(seed.key());
      ++total_keys;
    }
  }
  EXPECT_EQ(keys.size(), total_keys);
}

INSTANTIATE_TEST_SUITE_P(AllSizes, ProtocolRunTest,
                         ::testing::Values(Config{2, ProtocolKind::kFull, kDefaultChunkValues},
                                           Config{3, ProtocolKind::kFull, kDefaultChunkValues},
                                           Config{7, ProtocolKind::kFull, kDefaultChunkValues},
                                           Config{3, ProtocolKind::kFull, 4},   // 8+1+3 = 12: exact chunks
                                           Config{7, ProtocolKind::kFull, 5},   // 16 = 5+5+5+1
                                           Config{2, ProtocolKind::kFull, 1},
                                           Config{2, ProtocolKind::kSeeded, kDefaultChunkValues},
                                           Config{3, ProtocolKind::kSeeded, kDefaultChunkValues},
                                           Config{7, ProtocolKind::kSeeded, kDefaultChunkValues},
                                           Config{3, ProtocolKind::kSeeded, 5},
                                           Config{7, ProtocolKind::kSeeded, 1}),
                         ConfigName);

// ---- the party: Start ----

class PartyStartTest : public ::testing::Test {
 protected:
  PartyStartTest()
      : roster_(MakeRoster(3)),
        layout_{roster_.categories.size(), 3},
        coordinator_(roster_, RunParameters{WorkloadKind::kVector, layout_.num_categories + 1, ProtocolKind::kFull,
                                            kDefaultChunkValues}),
        party_(roster_, "party1", EncodeInput(LocalAggregates{std::vector<uint64_t>(8, 3), 2}, layout_, 0)) {}

  Roster roster_;
  VectorLayout layout_;
  CoordinatorProtocol coordinator_;
  PartyProtocol party_;
  SecureRandom rng_;
};

TEST_F(PartyStartTest, WrongNumberOfPartiesIsRefused) {
  wire::Start start = coordinator_.MakeStart();
  start.set_num_parties(4);
  EXPECT_EQ(party_.OnStart(start).code(), Code::kBadInput);
}

TEST_F(PartyStartTest, OtherRosterDigestIsRefused) {
  wire::Start start = coordinator_.MakeStart();
  start.set_roster_digest(MakeRoster(4).Digest());
  EXPECT_EQ(party_.OnStart(start).code(), Code::kBadInput);
  start.set_roster_digest("");
  EXPECT_EQ(party_.OnStart(start).code(), Code::kBadInput);
}

TEST_F(PartyStartTest, WrongVectorLengthIsRefused) {
  wire::Start start = coordinator_.MakeStart();
  start.set_vector_length(start.vector_length() + 1);
  EXPECT_EQ(party_.OnStart(start).code(), Code::kBadInput);
  start.set_vector_length(0);
  EXPECT_EQ(party_.OnStart(start).code(), Code::kBadInput);
}

TEST_F(PartyStartTest, UnknownProtocolIsRefusedNamingTheValue) {
  wire::Start start = coordinator_.MakeStart();
  start.set_protocol(static_cast<wire::Protocol>(77));  // proto3 enums are open: any number arrives
  const Status s = party_.OnStart(start);
  EXPECT_EQ(s.code(), Code::kBadInput);
  EXPECT_NE(s.message().find("Start.protocol 77"), std::string::npos) << s.message();
  EXPECT_LT(s.message().size(), 200u);
  start.set_protocol(wire::PROTOCOL_UNSPECIFIED);
  EXPECT_EQ(party_.OnStart(start).code(), Code::kBadInput);
}

TEST_F(PartyStartTest, SecAggWithoutAThresholdAboveHalfIsRefused) {
  wire::Start start = coordinator_.MakeStart();
  start.set_protocol(wire::PROTOCOL_SECAGG);
  start.set_secagg_threshold(1);  // of 3 parties: not above n/2
  const Status s = party_.OnStart(start);
  EXPECT_EQ(s.code(), Code::kBadInput);
  EXPECT_NE(s.message().find("secagg threshold 1"), std::string::npos) << s.message();
}

TEST_F(PartyStartTest, UnknownWorkloadIsRefused) {
  wire::Start start = coordinator_.MakeStart();
  start.set_workload(static_cast<wire::Workload>(12345));
  const Status s = party_.OnStart(start);
  EXPECT_EQ(s.code(), Code::kBadInput);
  EXPECT_NE(s.message().find("Start.workload 12345"), std::string::npos) << s.message();
}

TEST_F(PartyStartTest, BadChunkSizeIsRefused) {
  wire::Start start = coordinator_.MakeStart();
  start.set_chunk_values(0);
  EXPECT_EQ(party_.OnStart(start).code(), Code::kBadInput);
}

TEST_F(PartyStartTest, RefusedStartLeavesThePartyWaiting) {
  wire::Start bad = coordinator_.MakeStart();
  bad.set_num_parties(2);
  ASSERT_FALSE(party_.OnStart(bad).ok());
  EXPECT_FALSE(party_.MakeShareChunk(0, rng_).ok());
  // The right Start is still accepted afterwards.
  EXPECT_TRUE(party_.OnStart(coordinator_.MakeStart()).ok());
  EXPECT_TRUE(party_.MakeShareChunk(0, rng_).ok());
}

TEST_F(PartyStartTest, SecondStartIsDuplicate) {
  ASSERT_TRUE(party_.OnStart(coordinator_.MakeStart()).ok());
  EXPECT_EQ(party_.OnStart(coordinator_.MakeStart()).code(), Code::kDuplicateMessage);
}

TEST_F(PartyStartTest, NothingBeforeStart) {
  EXPECT_EQ(party_.MakeShareChunk(0, rng_).status().code(), Code::kUnexpectedMessage);
  EXPECT_EQ(party_.MakeSeeds(rng_).status().code(), Code::kUnexpectedMessage);
  EXPECT_EQ(party_.MakePartialSumChunk(0).status().code(), Code::kUnexpectedMessage);
  wire::ShareVector chunk;
  chunk.add_values(1);
  EXPECT_EQ(party_.OnShareChunk("party2", chunk).code(), Code::kUnexpectedMessage);
  wire::SeedShare seed;
  seed.set_key(std::string(16, 'k'));
  EXPECT_EQ(party_.OnSeed("party2", seed).code(), Code::kUnexpectedMessage);
  EXPECT_FALSE(party_.ReadyForPartialSum());
}

// ---- the party: shares in and out ----

TEST(PartyProtocolTest, FullProtocolRefusesBadShareChunks) {
  SecureRandom rng;
  InProcessRun run = StartRun(3, ProtocolKind::kFull, 4, rng);  // 12 values in 3 chunks of 4
  PartyProtocol& p1 = *run.parties[0];
  ASSERT_EQ(p1.num_chunks(), 3u);
  ASSERT_TRUE(p1.MakeShareChunk(0, rng).ok());
  // Chunks go out in order, once.
  EXPECT_EQ(p1.MakeShareChunk(0, rng).status().code(), Code::kUnexpectedMessage);
  EXPECT_EQ(p1.MakeShareChunk(2, rng).status().code(), Code::kUnexpectedMessage);
  // Seeds belong to the other protocol.
  EXPECT_EQ(p1.MakeSeeds(rng).status().code(), Code::kUnexpectedMessage);
  wire::SeedShare seed;
  seed.set_key(std::string(16, 'k'));
  EXPECT_EQ(p1.OnSeed("party2", seed).code(), Code::kUnexpectedMessage);

  auto chunk_of = [](uint64_t offset, int count) {
    wire::ShareVector chunk;
    chunk.set_offset(offset);
    for (int k = 0; k < count; ++k) chunk.add_values(static_cast<uint64_t>(k) + 1);
    return chunk;
  };
  // Wrong length.
  EXPECT_EQ(p1.OnShareChunk("party2", chunk_of(0, 3)).code(), Code::kInvalidShare);
  EXPECT_EQ(p1.OnShareChunk("party2", chunk_of(0, 5)).code(), Code::kInvalidShare);
  EXPECT_EQ(p1.OnShareChunk("party2", chunk_of(0, 0)).code(), Code::kInvalidShare);
  // Out of order.
  EXPECT_EQ(p1.OnShareChunk("party2", chunk_of(4, 4)).code(), Code::kInvalidShare);
  // Not a peer: a stranger, ourselves, the coordinator.
  for (const char* stranger : {"party4", "party1", "coordinator", ""}) {
    EXPECT_EQ(p1.OnShareChunk(stranger, chunk_of(0, 4)).code(), Code::kWrongSender) << stranger;
  }
  // The right chunks in order are taken; one more is a duplicate.
  EXPECT_TRUE(p1.OnShareChunk("party2", chunk_of(0, 4)).ok());
  EXPECT_TRUE(p1.OnShareChunk("party2", chunk_of(4, 4)).ok());
  EXPECT_TRUE(p1.OnShareChunk("party2", chunk_of(8, 4)).ok());
  EXPECT_EQ(p1.OnShareChunk("party2", chunk_of(8, 4)).code(), Code::kDuplicateMessage);
  EXPECT_EQ(p1.OnShareChunk("party2", chunk_of(12, 4)).code(), Code::kDuplicateMessage);
  // Not ready: chunks 1, 2 not sent and party3's shares missing.
  EXPECT_FALSE(p1.ReadyForPartialSum());
  EXPECT_EQ(p1.MakePartialSumChunk(0).status().code(), Code::kUnexpectedMessage);
}

TEST(PartyProtocolTest, RefusedShareLeavesTheSumUntouched) {
  // A refused chunk must not be added: the run's result is still exact afterwards.
  SecureRandom rng;
  InProcessRun run = StartRun(2, ProtocolKind::kFull, kDefaultChunkValues, rng);
  auto out1 = run.parties[0]->MakeShareChunk(0, rng);
  auto out2 = run.parties[1]->MakeShareChunk(0, rng);
  ASSERT_TRUE(out1.ok() && out2.ok());
  wire::ShareVector short_chunk = out2->at("party1");
  short_chunk.mutable_values()->RemoveLast();
  EXPECT_EQ(run.parties[0]->OnShareChunk("party2", short_chunk).code(), Code::kInvalidShare);
  ASSERT_TRUE(run.parties[0]->OnShareChunk("party2", out2->at("party1")).ok());
  ASSERT_TRUE(run.parties[1]->OnShareChunk("party1", out1->at("party2")).ok());
  ASSERT_NO_FATAL_FAILURE(MakePartialSums(run));
  ASSERT_NO_FATAL_FAILURE(DeliverPartialSums(run, *run.coordinator));
  EXPECT_EQ(run.coordinator->Totals(), PlainSum(run));
}

TEST(PartyProtocolTest, SeededProtocolRefusesBadSeeds) {
  SecureRandom rng;
  InProcessRun run = StartRun(3, ProtocolKind::kSeeded, kDefaultChunkValues, rng);
  PartyProtocol& p1 = *run.parties[0];
  EXPECT_EQ(p1.MakeShareChunk(0, rng).status().code(), Code::kUnexpectedMessage);
  wire::ShareVector chunk;
  chunk.add_values(1);
  EXPECT_EQ(p1.OnShareChunk("party2", chunk).code(), Code::kUnexpectedMessage);
  ASSERT_TRUE(p1.MakeSeeds(rng).ok());
  EXPECT_EQ(p1.MakeSeeds(rng).status().code(), Code::kUnexpectedMessage);

  wire::SeedShare seed;
  for (size_t size : {size_t{0}, size_t{15}, size_t{17}, size_t{32}}) {
    seed.set_key(std::string(size, 'k'));
    EXPECT_EQ(p1.OnSeed("party2", seed).code(), Code::kInvalidShare) << size;
  }
  seed.set_key(std::string(16, 'k'));
  EXPECT_EQ(p1.OnSeed("party9", seed).code(), Code::kWrongSender);
  EXPECT_EQ(p1.OnSeed("party1", seed).code(), Code::kWrongSender);
  EXPECT_TRUE(p1.OnSeed("party2", seed).ok());
  EXPECT_EQ(p1.OnSeed("party2", seed).code(), Code::kDuplicateMessage);
  EXPECT_FALSE(p1.ReadyForPartialSum());
  EXPECT_EQ(p1.MakePartialSumChunk(0).status().code(), Code::kUnexpectedMessage);
  EXPECT_TRUE(p1.OnSeed("party3", seed).ok());
  EXPECT_TRUE(p1.ReadyForPartialSum());
}

// ---- the coordinator ----

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = StartRun(3, ProtocolKind::kFull, 5, rng_);  // 12 values: chunks of 5, 5, 2
    ASSERT_NO_FATAL_FAILURE(ExchangeShares(run_, rng_));
    ASSERT_NO_FATAL_FAILURE(MakePartialSums(run_));
    ASSERT_EQ(run_.partial_sums[0].size(), 3u);
  }
  SecureRandom rng_;
  InProcessRun run_;
};

TEST_F(CoordinatorTest, SecondPartialSumIsDuplicate) {
  CoordinatorProtocol& c = *run_.coordinator;
  for (const auto& chunk : run_.partial_sums[0]) ASSERT_TRUE(c.OnPartialSum("party1", chunk).ok());
  EXPECT_TRUE(c.PartyComplete("party1"));
  EXPECT_EQ(c.OnPartialSum("party1", run_.partial_sums[0][0]).code(), Code::kDuplicateMessage);
  EXPECT_EQ(c.OnPartialSum("party1", run_.partial_sums[0][2]).code(), Code::kDuplicateMessage);
}

TEST_F(CoordinatorTest, ReplayedChunkWithinAPartialSumIsRefused) {
  CoordinatorProtocol& c = *run_.coordinator;
  ASSERT_TRUE(c.OnPartialSum("party1", run_.partial_sums[0][0]).ok());
  // The same chunk again is out of order (offset 0 where 5 is expected).
  EXPECT_EQ(c.OnPartialSum("party1", run_.partial_sums[0][0]).code(), Code::kInvalidShare);
}

TEST_F(CoordinatorTest, WrongLengthOrOffsetIsInvalidShare) {
  CoordinatorProtocol& c = *run_.coordinator;
  wire::PartialSum short_chunk = run_.partial_sums[0][0];
  short_chunk.mutable_values()->RemoveLast();
  EXPECT_EQ(c.OnPartialSum("party1", short_chunk).code(), Code::kInvalidShare);
  wire::PartialSum long_chunk = run_.partial_sums[0][0];
  long_chunk.add_values(1);
  EXPECT_EQ(c.OnPartialSum("party1", long_chunk).code(), Code::kInvalidShare);
  EXPECT_EQ(c.OnPartialSum("party1", run_.partial_sums[0][1]).code(), Code::kInvalidShare);  // skips chunk 0
  wire::PartialSum empty;
  EXPECT_EQ(c.OnPartialSum("party1", empty).code(), Code::kInvalidShare);
  // Nothing of the refused chunks was counted: the run still comes out exact.
  ASSERT_NO_FATAL_FAILURE(DeliverPartialSums(run_, c));
  EXPECT_EQ(c.Totals(), PlainSum(run_));
  EXPECT_TRUE(c.VerifyTotals().ok());
}

TEST_F(CoordinatorTest, PartialSumFromANonPartyIsWrongSender) {
  CoordinatorProtocol& c = *run_.coordinator;
  for (const char* stranger : {"party4", "coordinator", "", "PARTY1"}) {
    EXPECT_EQ(c.OnPartialSum(stranger, run_.partial_sums[0][0]).code(), Code::kWrongSender) << stranger;
  }
}

TEST_F(CoordinatorTest, MissingPartialSumIsNamed) {
  CoordinatorProtocol& c = *run_.coordinator;
  ASSERT_NO_FATAL_FAILURE(DeliverPartialSums(run_, c, /*skip=*/1));
  EXPECT_FALSE(c.Complete());
  EXPECT_EQ(c.Missing(), std::vector<std::string>{"party2"});
  EXPECT_FALSE(c.VerifyTotals().ok());
  // Half a partial sum is still missing.
  ASSERT_TRUE(c.OnPartialSum("party2", run_.partial_sums[1][0]).ok());
  EXPECT_FALSE(c.Complete());
  EXPECT_EQ(c.Missing(), std::vector<std::string>{"party2"});
  EXPECT_FALSE(c.PartyComplete("party2"));
}

TEST_F(CoordinatorTest, NothingReceivedNamesEveryone) {
  EXPECT_EQ(run_.coordinator->Missing(), (std::vector<std::string>{"party1", "party2", "party3"}));
}

// A party counted twice: party1's input shared a second time in place of party2's (for example a
// replayed or cloned party). The check vector reads 2 for party1 and 0 for party2.
TEST(CoordinatorCheckTest, DoubleCountedPartyIsCheckFailed) {
  SecureRandom rng;
  InProcessRun run = StartRun(3, ProtocolKind::kFull, kDefaultChunkValues, rng);
  // party2's protocol instance carries party1's input (same check entry e_0).
  run.inputs[1] = run.inputs[0];
  run.parties[1] = std::make_unique<PartyProtocol>(run.roster, "party2", run.inputs[1]);
  ASSERT_TRUE(run.parties[1]->OnStart(run.coordinator->MakeStart()).ok());
  ASSERT_NO_FATAL_FAILURE(ExchangeShares(run, rng));
  ASSERT_NO_FATAL_FAILURE(MakePartialSums(run));
  ASSERT_NO_FATAL_FAILURE(DeliverPartialSums(run, *run.coordinator));
  ASSERT_TRUE(run.coordinator->Complete());
  const Status s = run.coordinator->VerifyTotals();
  EXPECT_EQ(s.code(), Code::kCheckFailed) << s.ToString();
  EXPECT_NE(s.message().find("party1 counted 2 times"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("party2 counted 0 times"), std::string::npos) << s.message();
}

// A partial sum replayed from an earlier run (same roster and parties) in place of this run's:
// the totals become garbage, which the check vector catches.
TEST(CoordinatorCheckTest, PartialSumReplayedFromAnotherRunIsCheckFailed) {
  for (ProtocolKind protocol : {ProtocolKind::kFull, ProtocolKind::kSeeded}) {
    SecureRandom rng;
    InProcessRun first = StartRun(3, protocol, kDefaultChunkValues, rng);
    ASSERT_NO_FATAL_FAILURE(ExchangeShares(first, rng));
    ASSERT_NO_FATAL_FAILURE(MakePartialSums(first));
    InProcessRun second = StartRun(3, protocol, kDefaultChunkValues, rng);
    ASSERT_NO_FATAL_FAILURE(ExchangeShares(second, rng));
    ASSERT_NO_FATAL_FAILURE(MakePartialSums(second));
    second.partial_sums[2] = first.partial_sums[2];
    ASSERT_NO_FATAL_FAILURE(DeliverPartialSums(second, *second.coordinator));
    ASSERT_TRUE(second.coordinator->Complete());
    const Status s = second.coordinator->VerifyTotals();
    EXPECT_EQ(s.code(), Code::kCheckFailed) << s.ToString();
    EXPECT_NE(s.message().find("corrupt"), std::string::npos) << s.message();
  }
}

// A dropped party: its contribution is missing from the sum although every partial sum arrived
// (modelled by an input without its check entry). The check vector reads 0 for it.
TEST(CoordinatorCheckTest, DroppedPartyIsCheckFailed) {
  SecureRandom rng;
  InProcessRun run = StartRun(3, ProtocolKind::kFull, kDefaultChunkValues, rng);
  // party3's input replaced by one with no check entry (index out of range), as if it never took part.
  run.inputs[2] = EncodeInput(run.locals[2], run.layout, 99);
  run.parties[2] = std::make_unique<PartyProtocol>(run.roster, "party3", run.inputs[2]);
  ASSERT_TRUE(run.parties[2]->OnStart(run.coordinator->MakeStart()).ok());
  ASSERT_NO_FATAL_FAILURE(ExchangeShares(run, rng));
  ASSERT_NO_FATAL_FAILURE(MakePartialSums(run));
  ASSERT_NO_FATAL_FAILURE(DeliverPartialSums(run, *run.coordinator));
  const Status s = run.coordinator->VerifyTotals();
  EXPECT_EQ(s.code(), Code::kCheckFailed);
  EXPECT_NE(s.message().find("party3 counted 0 times"), std::string::npos) << s.message();
}

TEST(CoordinatorStartTest, StartDescribesTheRun) {
  const Roster roster = MakeRoster(7);
  RunParameters parameters{WorkloadKind::kVector, 9, ProtocolKind::kSeeded, 1000};
  CoordinatorProtocol c(roster, parameters);
  const wire::Start start = c.MakeStart();
  EXPECT_EQ(start.num_parties(), 7u);
  EXPECT_EQ(start.roster_digest(), roster.Digest());
  EXPECT_EQ(start.vector_length(), 9u + 7u);
  EXPECT_EQ(start.protocol(), wire::PROTOCOL_SEEDED);
  EXPECT_EQ(start.chunk_values(), 1000u);
  EXPECT_EQ(start.workload(), wire::WORKLOAD_VECTOR);
  EXPECT_EQ(c.Totals().size(), 16u);
}

TEST(ChunkTest, ChunkRangesCoverTheVectorExactly) {
  EXPECT_EQ(NumChunks(0, 4), 0u);
  EXPECT_EQ(NumChunks(1, 4), 1u);
  EXPECT_EQ(NumChunks(4, 4), 1u);
  EXPECT_EQ(NumChunks(5, 4), 2u);
  for (uint64_t length : {uint64_t{1}, uint64_t{7}, uint64_t{8}, uint64_t{1000}}) {
    for (uint32_t chunk : {1u, 3u, 8u, 1000u, 5000u}) {
      uint64_t covered = 0;
      for (size_t i = 0; i < NumChunks(length, chunk); ++i) {
        const ChunkRange r = ChunkAt(length, chunk, i);
        EXPECT_EQ(r.offset, covered);
        EXPECT_GT(r.count, 0u);
        EXPECT_LE(r.count, chunk);
        covered += r.count;
      }
      EXPECT_EQ(covered, length) << length << "/" << chunk;
      EXPECT_EQ(ChunkAt(length, chunk, NumChunks(length, chunk)).count, 0u);
    }
  }
}

}  // namespace
}  // namespace mpcstats::core
