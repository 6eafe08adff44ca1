// Chunked transfers, without sockets: PartyProtocol and CoordinatorProtocol driven directly with a
// small chunk size, the test routing every message. A transfer that is cut (a chunk missing, or the
// transfer ending early), reordered or duplicated must be detected, for the parties' share chunks
// ("full" protocol) and for the partial sums the coordinator collects; seeds of the wrong size or
// sent twice are refused; and complete runs of both protocols reveal the exact plaintext sum.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/core/coordinator_protocol.h"
#include "common/core/party_protocol.h"
#include "common/core/roster.h"
#include "common/core/secure_random.h"
#include "common/core/workload.h"

namespace mpcstats::core {
namespace {

constexpr uint64_t kSeed = 4242;

Roster ParseTestRoster(size_t n) {
  nlohmann::json j;
  j["coordinator"] = {{"host", "127.0.0.1"}, {"port", 9000}};
  j["parties"] = nlohmann::json::array();
  for (size_t i = 0; i < n; ++i) {
    j["parties"].push_back({{"id", "p" + std::to_string(i + 1)}, {"host", "127.0.0.1"}, {"port", 9001 + i}});
  }
  auto roster = ParseRoster(j.dump());
  EXPECT_TRUE(roster.ok()) << roster.status().ToString();
  return *roster;
}

// N parties with vector-workload inputs (M values + the check vector) and the coordinator, Start
// delivered to every party.
struct Harness {
  Harness(size_t n, uint64_t m, ProtocolKind protocol, uint32_t chunk_values) : m(m) {
    roster = ParseTestRoster(n);
    parameters = RunParameters{.workload = WorkloadKind::kVector,
                               .payload_length = m,
                               .protocol = protocol,
                               .chunk_values = chunk_values};
    coordinator = std::make_unique<CoordinatorProtocol>(roster, parameters);
    start = coordinator->MakeStart();
    for (size_t i = 0; i < n; ++i) {
      std::vector<uint64_t> input = MakeVectorPayload(m, kSeed, i);
      AppendCheckVector(&input, i, n);
      parties.push_back(std::make_unique<PartyProtocol>(roster, id(i), std::move(input)));
      const Status s = parties[i]->OnStart(start);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  }

  const std::string& id(size_t i) const { return roster.parties[i].id; }
  size_t index_of(const std::string& party_id) const { return static_cast<size_t>(roster.IndexOf(party_id)); }
  size_t n() const { return parties.size(); }

  // Full protocol: every party makes every share chunk; chunks[from][to] lists them in order.
  std::map<std::string, std::map<std::string, std::vector<wire::ShareVector>>> MakeAllShareChunks() {
    std::map<std::string, std::map<std::string, std::vector<wire::ShareVector>>> chunks;
    for (size_t i = 0; i < n(); ++i) {
      for (size_t c = 0; c < parties[i]->num_chunks(); ++c) {
        auto out = parties[i]->MakeShareChunk(c, rng);
        EXPECT_TRUE(out.ok()) << out.status().ToString();
        if (!out.ok()) return chunks;
        for (auto& [to, chunk] : *out) chunks[id(i)][to].push_back(std::move(chunk));
      }
    }
    return chunks;
  }

  // Seeded protocol: every party makes its seeds; seeds[from][to].
  std::map<std::string, std::map<std::string, wire::SeedShare>> MakeAllSeeds() {
    std::map<std::string, std::map<std::string, wire::SeedShare>> seeds;
    for (size_t i = 0; i < n(); ++i) {
      auto out = parties[i]->MakeSeeds(rng);
      EXPECT_TRUE(out.ok()) << out.status().ToString();
      if (out.ok()) seeds[id(i)] = std::move(out).value();
    }
    return seeds;
  }

  // Runs the sharing phase of either protocol to completion, every message delivered in order.
  void ShareEverything() {
    if (parameters.protocol == ProtocolKind::kSeeded) {
      for (auto& [from, to_seed] : MakeAllSeeds()) {
        for (auto& [to, seed] : to_seed) {
          const Status s = parties[index_of(to)]->OnSeed(from, seed);
          ASSERT_TRUE(s.ok()) << s.ToString();
        }
      }
    } else {
      // Chunk-major, as the parties stream them: chunk 0 from everyone, then chunk 1, ...
      auto chunks = MakeAllShareChunks();
      const size_t count = parties[0]->num_chunks();
      for (size_t c = 0; c < count; ++c) {
        for (auto& [from, to_chunks] : chunks) {
          for (auto& [to, list] : to_chunks) {
            const Status s = parties[index_of(to)]->OnShareChunk(from, list[c]);
            ASSERT_TRUE(s.ok()) << s.ToString();
          }
        }
      }
    }
    for (size_t i = 0; i < n(); ++i) ASSERT_TRUE(parties[i]->ReadyForPartialSum()) << id(i);
  }

  // Every party's partial sum, chunk by chunk.
  std::vector<std::vector<wire::PartialSum>> MakeAllPartialSums() {
    std::vector<std::vector<wire::PartialSum>> sums(n());
    for (size_t i = 0; i < n(); ++i) {
      for (size_t c = 0; c < parties[i]->num_chunks(); ++c) {
        auto chunk = parties[i]->MakePartialSumChunk(c);
        EXPECT_TRUE(chunk.ok()) << chunk.status().ToString();
        if (chunk.ok()) sums[i].push_back(std::move(chunk).value());
      }
    }
    return sums;
  }

  std::vector<uint64_t> PlaintextSum() const {
    std::vector<uint64_t> sum(m, 0);
    for (size_t i = 0; i < n(); ++i) {
      const std::vector<uint64_t> payload = MakeVectorPayload(m, kSeed, i);
      for (uint64_t k = 0; k < m; ++k) sum[k] += payload[k];
    }
    return sum;
  }

  uint64_t m;
  Roster roster;
  RunParameters parameters;
  wire::Start start;
  std::unique_ptr<CoordinatorProtocol> coordinator;
  std::vector<std::unique_ptr<PartyProtocol>> parties;
  SecureRandom rng;
};

// M=100, N=3: 103 values in chunks of 7 -> 15 chunks, the last of 5 values.
constexpr uint64_t kM = 100;
constexpr size_t kN = 3;
constexpr uint32_t kChunk = 7;

TEST(ChunkingTest, ChunkArithmetic) {
  EXPECT_EQ(NumChunks(103, 7), 15u);
  EXPECT_EQ(ChunkAt(103, 7, 0).offset, 0u);
  EXPECT_EQ(ChunkAt(103, 7, 0).count, 7u);
  EXPECT_EQ(ChunkAt(103, 7, 14).offset, 98u);
  EXPECT_EQ(ChunkAt(103, 7, 14).count, 5u);
  EXPECT_EQ(ChunkAt(103, 7, 15).count, 0u);
  EXPECT_EQ(NumChunks(105, 7), 15u);
  EXPECT_EQ(ChunkAt(105, 7, 14).count, 7u);
  EXPECT_EQ(NumChunks(1, kDefaultChunkValues), 1u);
  Harness h(kN, kM, ProtocolKind::kFull, kChunk);
  EXPECT_EQ(h.start.vector_length(), kM + kN);
  EXPECT_EQ(h.start.chunk_values(), kChunk);
  EXPECT_EQ(h.parties[0]->num_chunks(), 15u);
}

// ---------------------------------------------------------------- share chunks (full)

class ShareChunkTest : public ::testing::Test {
 protected:
  ShareChunkTest() : h(kN, kM, ProtocolKind::kFull, kChunk), chunks(h.MakeAllShareChunks()) {}
  // The chunks p1 sent to p2, and p2's protocol.
  std::vector<wire::ShareVector>& from_p1() { return chunks["p1"]["p2"]; }
  PartyProtocol& p2() { return *h.parties[1]; }

  Harness h;
  std::map<std::string, std::map<std::string, std::vector<wire::ShareVector>>> chunks;
};

TEST_F(ShareChunkTest, EveryChunkInOrderIsAccepted) {
  ASSERT_EQ(from_p1().size(), 15u);
  for (const auto& chunk : from_p1()) EXPECT_TRUE(p2().OnShareChunk("p1", chunk).ok());
}

TEST_F(ShareChunkTest, MissingChunkThenLaterChunkIsInvalidShareNamingSender) {
  ASSERT_TRUE(p2().OnShareChunk("p1", from_p1()[0]).ok());
  ASSERT_TRUE(p2().OnShareChunk("p1", from_p1()[1]).ok());
  // Chunk 2 is lost; chunk 3 arrives.
  const Status s = p2().OnShareChunk("p1", from_p1()[3]);
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  EXPECT_NE(s.message().find("p1"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("offset 21"), std::string::npos) << s.ToString();  // what came
  EXPECT_NE(s.message().find("offset 14"), std::string::npos) << s.ToString();  // what was due
}

TEST_F(ShareChunkTest, MissingFirstChunkIsInvalidShare) {
  const Status s = p2().OnShareChunk("p1", from_p1()[1]);
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  EXPECT_NE(s.message().find("p1"), std::string::npos) << s.ToString();
}

TEST_F(ShareChunkTest, TransferEndingEarlyIsNotReadyForPartialSum) {
  // Everything else arrives; p1's last chunk to p2 never does.
  for (auto& [from, to_chunks] : chunks) {
    for (auto& [to, list] : to_chunks) {
      const size_t count = (from == "p1" && to == "p2") ? list.size() - 1 : list.size();
      for (size_t c = 0; c < count; ++c)
        ASSERT_TRUE(h.parties[h.index_of(to)]->OnShareChunk(from, list[c]).ok());
    }
  }
  EXPECT_TRUE(h.parties[0]->ReadyForPartialSum());
  EXPECT_TRUE(h.parties[2]->ReadyForPartialSum());
  EXPECT_FALSE(p2().ReadyForPartialSum());
  auto sum = p2().MakePartialSumChunk(0);
  ASSERT_FALSE(sum.ok()) << "a partial sum over an incomplete share must not leave the party";
  EXPECT_EQ(sum.status().code(), Code::kUnexpectedMessage) << sum.status().ToString();
  // The last chunk, late, completes the transfer.
  ASSERT_TRUE(p2().OnShareChunk("p1", from_p1().back()).ok());
  EXPECT_TRUE(p2().ReadyForPartialSum());
}

TEST_F(ShareChunkTest, SwappedChunksAreInvalidShare) {
  ASSERT_TRUE(p2().OnShareChunk("p1", from_p1()[0]).ok());
  const Status s = p2().OnShareChunk("p1", from_p1()[2]);  // 2 before 1
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  EXPECT_NE(s.message().find("p1"), std::string::npos) << s.ToString();
}

TEST_F(ShareChunkTest, SwappedLastTwoChunksAreInvalidShare) {
  for (size_t c = 0; c + 2 < from_p1().size(); ++c) ASSERT_TRUE(p2().OnShareChunk("p1", from_p1()[c]).ok());
  const Status s = p2().OnShareChunk("p1", from_p1().back());  // the short last chunk, one too early
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  EXPECT_NE(s.message().find("p1"), std::string::npos) << s.ToString();
}

TEST_F(ShareChunkTest, DuplicatedChunkIsAnError) {
  ASSERT_TRUE(p2().OnShareChunk("p1", from_p1()[0]).ok());
  ASSERT_TRUE(p2().OnShareChunk("p1", from_p1()[1]).ok());
  const Status s = p2().OnShareChunk("p1", from_p1()[1]);  // replayed
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  EXPECT_NE(s.message().find("p1"), std::string::npos) << s.ToString();
}

TEST_F(ShareChunkTest, DuplicatedLastChunkIsDuplicateMessage) {
  for (const auto& chunk : from_p1()) ASSERT_TRUE(p2().OnShareChunk("p1", chunk).ok());
  const Status s = p2().OnShareChunk("p1", from_p1().back());
  EXPECT_EQ(s.code(), Code::kDuplicateMessage) << s.ToString();
  EXPECT_NE(s.message().find("p1"), std::string::npos) << s.ToString();
  const Status first_again = p2().OnShareChunk("p1", from_p1().front());
  EXPECT_EQ(first_again.code(), Code::kDuplicateMessage) << first_again.ToString();
}

TEST_F(ShareChunkTest, ChunkOfTheWrongLengthIsInvalidShare) {
  wire::ShareVector longer = from_p1()[0];
  longer.add_values(1);
  Status s = p2().OnShareChunk("p1", longer);
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  wire::ShareVector shorter = from_p1()[0];
  shorter.mutable_values()->RemoveLast();
  s = p2().OnShareChunk("p1", shorter);
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  // Two chunks merged into one frame: right offset, wrong length.
  wire::ShareVector merged = from_p1()[0];
  for (uint64_t v : from_p1()[1].values()) merged.add_values(v);
  s = p2().OnShareChunk("p1", merged);
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  // Nothing of those was taken: the real chunks still go in.
  for (const auto& chunk : from_p1()) EXPECT_TRUE(p2().OnShareChunk("p1", chunk).ok());
}

TEST_F(ShareChunkTest, OneSendersCutDoesNotBlameAnother) {
  // p3's chunks to p2 are in order even though p1's transfer to p2 broke.
  ASSERT_TRUE(p2().OnShareChunk("p1", from_p1()[0]).ok());
  EXPECT_EQ(p2().OnShareChunk("p1", from_p1()[2]).code(), Code::kInvalidShare);
  for (const auto& chunk : chunks["p3"]["p2"]) EXPECT_TRUE(p2().OnShareChunk("p3", chunk).ok());
}

// ---------------------------------------------------------------- partial sums (coordinator)

class PartialSumChunkTest : public ::testing::TestWithParam<ProtocolKind> {
 protected:
  PartialSumChunkTest() : h(kN, kM, GetParam(), kChunk) {}
  void SetUp() override {
    h.ShareEverything();
    ASSERT_FALSE(HasFatalFailure());
    sums = h.MakeAllPartialSums();
    ASSERT_EQ(sums[0].size(), 15u);
  }
  CoordinatorProtocol& coordinator() { return *h.coordinator; }
  // Delivers every chunk of parties other than `except`.
  void DeliverOthers(size_t except) {
    for (size_t i = 0; i < h.n(); ++i) {
      if (i == except) continue;
      for (const auto& chunk : sums[i]) ASSERT_TRUE(coordinator().OnPartialSum(h.id(i), chunk).ok());
    }
  }

  Harness h;
  std::vector<std::vector<wire::PartialSum>> sums;
};

TEST_P(PartialSumChunkTest, MissingChunkThenLaterChunkIsInvalidShareNamingSender) {
  DeliverOthers(1);
  for (size_t c = 0; c < 5; ++c) ASSERT_TRUE(coordinator().OnPartialSum("p2", sums[1][c]).ok());
  const Status s = coordinator().OnPartialSum("p2", sums[1][6]);  // chunk 5 lost
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  EXPECT_NE(s.message().find("p2"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("offset 42"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("offset 35"), std::string::npos) << s.ToString();
  EXPECT_FALSE(coordinator().Complete());
}

TEST_P(PartialSumChunkTest, TransferEndingEarlyLeavesThePartyMissing) {
  DeliverOthers(1);
  for (size_t c = 0; c + 1 < sums[1].size(); ++c)
    ASSERT_TRUE(coordinator().OnPartialSum("p2", sums[1][c]).ok());
  EXPECT_FALSE(coordinator().Complete());
  EXPECT_FALSE(coordinator().PartyComplete("p2"));
  EXPECT_TRUE(coordinator().PartyComplete("p1"));
  EXPECT_EQ(coordinator().Missing(), std::vector<std::string>{"p2"});
  const Status verify = coordinator().VerifyTotals();
  EXPECT_FALSE(verify.ok()) << "totals must not be revealed before every partial sum is complete";
  // No chunk at all from p2 and p3: both are missing, in roster order.
  Harness fresh(kN, kM, GetParam(), kChunk);
  for (const auto& chunk : sums[0]) ASSERT_TRUE(fresh.coordinator->OnPartialSum("p1", chunk).ok());
  EXPECT_EQ(fresh.coordinator->Missing(), (std::vector<std::string>{"p2", "p3"}));
}

TEST_P(PartialSumChunkTest, SwappedChunksAreInvalidShare) {
  ASSERT_TRUE(coordinator().OnPartialSum("p3", sums[2][0]).ok());
  ASSERT_TRUE(coordinator().OnPartialSum("p3", sums[2][1]).ok());
  const Status s = coordinator().OnPartialSum("p3", sums[2][3]);
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  EXPECT_NE(s.message().find("p3"), std::string::npos) << s.ToString();
  // The short last chunk before the one before it.
  Harness fresh(kN, kM, GetParam(), kChunk);
  for (size_t c = 0; c + 2 < sums[0].size(); ++c)
    ASSERT_TRUE(fresh.coordinator->OnPartialSum("p1", sums[0][c]).ok());
  EXPECT_EQ(fresh.coordinator->OnPartialSum("p1", sums[0].back()).code(), Code::kInvalidShare);
}

TEST_P(PartialSumChunkTest, DuplicatedChunkIsAnError) {
  ASSERT_TRUE(coordinator().OnPartialSum("p1", sums[0][0]).ok());
  const Status s = coordinator().OnPartialSum("p1", sums[0][0]);
  EXPECT_EQ(s.code(), Code::kInvalidShare) << s.ToString();
  EXPECT_NE(s.message().find("p1"), std::string::npos) << s.ToString();
}

TEST_P(PartialSumChunkTest, ChunkAfterTheWholeSumIsDuplicateMessage) {
  for (const auto& chunk : sums[0]) ASSERT_TRUE(coordinator().OnPartialSum("p1", chunk).ok());
  EXPECT_TRUE(coordinator().PartyComplete("p1"));
  EXPECT_EQ(coordinator().OnPartialSum("p1", sums[0].back()).code(), Code::kDuplicateMessage);
  EXPECT_EQ(coordinator().OnPartialSum("p1", sums[0].front()).code(), Code::kDuplicateMessage);
}

TEST_P(PartialSumChunkTest, ChunkOfTheWrongLengthIsInvalidShare) {
  wire::PartialSum longer = sums[0][0];
  longer.add_values(0);
  EXPECT_EQ(coordinator().OnPartialSum("p1", longer).code(), Code::kInvalidShare);
  wire::PartialSum empty;
  empty.set_offset(0);
  EXPECT_EQ(coordinator().OnPartialSum("p1", empty).code(), Code::kInvalidShare);
}

TEST_P(PartialSumChunkTest, InterleavedInOrderDeliveryRevealsThePlaintextSum) {
  // Chunks of the three parties interleaved, each party's in order: what the network delivers.
  for (size_t c = 0; c < sums[0].size(); ++c) {
    for (size_t i = h.n(); i-- > 0;) ASSERT_TRUE(coordinator().OnPartialSum(h.id(i), sums[i][c]).ok());
  }
  ASSERT_TRUE(coordinator().Complete());
  ASSERT_TRUE(coordinator().VerifyTotals().ok()) << coordinator().VerifyTotals().ToString();
  const auto payload = coordinator().Payload();
  EXPECT_EQ(std::vector<uint64_t>(payload.begin(), payload.end()), h.PlaintextSum());
}

INSTANTIATE_TEST_SUITE_P(BothProtocols, PartialSumChunkTest,
                         ::testing::Values(ProtocolKind::kFull, ProtocolKind::kSeeded),
                         [](const ::testing::TestParamInfo<ProtocolKind>& info) {
                           return std::string(ProtocolName(info.param));
                         });

// ---------------------------------------------------------------- seeds (seeded)

TEST(ChunkingSeedTest, SeedOfTheWrongSizeIsInvalidShare) {
  Harness h(kN, kM, ProtocolKind::kSeeded, kChunk);
  auto seeds = h.MakeAllSeeds();
  ASSERT_EQ(seeds["p1"]["p2"].key().size(), 16u);
  for (size_t size : {0u, 1u, 15u, 17u, 32u}) {
    wire::SeedShare bad;
    bad.set_key(std::string(size, '\x5a'));
    const Status s = h.parties[1]->OnSeed("p1", bad);
    EXPECT_EQ(s.code(), Code::kInvalidShare) << size << ": " << s.ToString();
    EXPECT_NE(s.message().find("p1"), std::string::npos) << s.ToString();
  }
  EXPECT_FALSE(h.parties[1]->ReadyForPartialSum());
}

TEST(ChunkingSeedTest, SecondSeedIsDuplicateMessage) {
  Harness h(kN, kM, ProtocolKind::kSeeded, kChunk);
  auto seeds = h.MakeAllSeeds();
  ASSERT_TRUE(h.parties[1]->OnSeed("p1", seeds["p1"]["p2"]).ok());
  Status s = h.parties[1]->OnSeed("p1", seeds["p1"]["p2"]);  // replayed
  EXPECT_EQ(s.code(), Code::kDuplicateMessage) << s.ToString();
  EXPECT_NE(s.message().find("p1"), std::string::npos) << s.ToString();
  wire::SeedShare other;
  other.set_key(std::string(16, '\x01'));  // a different, well-formed key: still a second seed
  s = h.parties[1]->OnSeed("p1", other);
  EXPECT_EQ(s.code(), Code::kDuplicateMessage) << s.ToString();
  // p3's seed is not affected.
  EXPECT_TRUE(h.parties[1]->OnSeed("p3", seeds["p3"]["p2"]).ok());
  EXPECT_TRUE(h.parties[1]->ReadyForPartialSum());
}

TEST(ChunkingSeedTest, ShareChunksAreRefusedUnderSeededAndSeedsUnderFull) {
  Harness seeded(kN, kM, ProtocolKind::kSeeded, kChunk);
  wire::ShareVector chunk;
  chunk.set_offset(0);
  for (uint32_t k = 0; k < kChunk; ++k) chunk.add_values(k);
  EXPECT_EQ(seeded.parties[1]->OnShareChunk("p1", chunk).code(), Code::kUnexpectedMessage);
  Harness full(kN, kM, ProtocolKind::kFull, kChunk);
  wire::SeedShare seed;
  seed.set_key(std::string(16, '\x01'));
  EXPECT_EQ(full.parties[1]->OnSeed("p1", seed).code(), Code::kUnexpectedMessage);
}

// ---------------------------------------------------------------- complete in-process runs

struct RunCase {
  ProtocolKind protocol;
  uint32_t chunk_values;
};

void PrintTo(const RunCase& c, std::ostream* os) {
  *os << ProtocolName(c.protocol) << ", chunk " << c.chunk_values;
}

class ChunkedRunTest : public ::testing::TestWithParam<RunCase> {};

TEST_P(ChunkedRunTest, ThreePartiesRevealThePlaintextSum) {
  const auto [protocol, chunk_values] = GetParam();
  Harness h(kN, kM, protocol, chunk_values);
  h.ShareEverything();
  ASSERT_FALSE(HasFatalFailure());
  auto sums = h.MakeAllPartialSums();
  const size_t expected_chunks = NumChunks(kM + kN, chunk_values);
  for (size_t i = 0; i < h.n(); ++i) {
    ASSERT_EQ(sums[i].size(), expected_chunks);
    for (const auto& chunk : sums[i]) ASSERT_TRUE(h.coordinator->OnPartialSum(h.id(i), chunk).ok());
    // Done: no further chunk comes out of the party.
    EXPECT_FALSE(h.parties[i]->MakePartialSumChunk(expected_chunks).ok());
  }
  ASSERT_TRUE(h.coordinator->Complete());
  const Status verify = h.coordinator->VerifyTotals();
  ASSERT_TRUE(verify.ok()) << verify.ToString();
  const auto payload = h.coordinator->Payload();
  EXPECT_EQ(std::vector<uint64_t>(payload.begin(), payload.end()), h.PlaintextSum());
  // The check vector: one per party.
  const auto& totals = h.coordinator->Totals();
  ASSERT_EQ(totals.size(), kM + kN);
  for (size_t i = 0; i < kN; ++i) EXPECT_EQ(totals[kM + i], 1u);
}

INSTANTIATE_TEST_SUITE_P(ChunkSizes, ChunkedRunTest,
                         ::testing::Values(RunCase{ProtocolKind::kFull, 7}, RunCase{ProtocolKind::kSeeded, 7},
                                           RunCase{ProtocolKind::kFull, 1}, RunCase{ProtocolKind::kSeeded, 1},
                                           RunCase{ProtocolKind::kFull, 103},
                                           RunCase{ProtocolKind::kSeeded, 103},  // one exact chunk
                                           RunCase{ProtocolKind::kFull, 102},
                                           RunCase{ProtocolKind::kSeeded, 102},  // 102 + 1
                                           RunCase{ProtocolKind::kFull, kDefaultChunkValues},
                                           RunCase{ProtocolKind::kSeeded, kDefaultChunkValues}),
                         [](const ::testing::TestParamInfo<RunCase>& info) {
                           return std::string(ProtocolName(info.param.protocol)) + "_chunk" +
                                  std::to_string(info.param.chunk_values);
                         });

}  // namespace
}  // namespace mpcstats::core
