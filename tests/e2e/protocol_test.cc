// The two sharing protocols end to end with real processes: "seeded" (one AES key per pair of
// parties) and "full" (full share vectors) must reveal the same, exact sums, for the visits
// workload and for the vector workload (M values per party, --vector-length), with vectors cut into
// many chunks, and with the message sizes each protocol promises (seeded: a party sends about one
// vector; full: N-1 share vectors more). A --vector-length mismatch fails cleanly.
//
// The vector sums are checked against a plaintext sum computed here from the parties' inputs
// (MakeVectorPayload of every party, added mod 2^64), read back from the coordinator's --vector-out.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "common/core/workload.h"
#include "tests/e2e/cluster.h"

namespace mpcstats::e2e {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kSeed = 20260314;

// Sum over parties of their vector payloads, mod 2^64: what the coordinator must reveal.
std::vector<uint64_t> PlaintextSum(int n, uint64_t m, uint64_t seed) {
  std::vector<uint64_t> sum(m, 0);
  for (int i = 0; i < n; ++i) {
    const std::vector<uint64_t> payload = core::MakeVectorPayload(m, seed, static_cast<size_t>(i));
    for (uint64_t k = 0; k < m; ++k) sum[k] += payload[k];  // unsigned: wraps mod 2^64
  }
  return sum;
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

// Little-endian uint64 values (the machines these tests run on are little-endian, as is the format).
std::vector<uint64_t> DecodeSums(const std::string& bytes) {
  std::vector<uint64_t> values(bytes.size() / 8);
  if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * 8);
  return values;
}

struct VectorOutcome {
  json run;
  std::vector<uint64_t> sums;
  double seconds = 0;  // first start to last exit, as the test saw it
};

// One successful vector run: every process exits 0, run.json describes the vector workload, and the
// --vector-out file holds M sums consistent with run.json's digest and head.
void RunVector(int n, uint64_t m, const std::string& protocol, uint32_t chunk_values,
               VectorOutcome* outcome) {
  SCOPED_TRACE("protocol " + protocol + ", N=" + std::to_string(n) + ", M=" + std::to_string(m) +
               (chunk_values ? ", chunk " + std::to_string(chunk_values) : std::string()));
  Cluster cluster({.num_parties = n,
                   .timeout_seconds = 20,
                   .log_level = "warn",
                   .protocol = protocol,
                   .vector_length = m,
                   .vector_seed = kSeed,
                   .chunk_values = chunk_values});
  const auto started = Clock::now();
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  outcome->seconds = std::chrono::duration<double>(Clock::now() - started).count();
  for (const std::string& name : cluster.process_names()) {
    ASSERT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  std::optional<json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << "no run.json\n" << cluster.Describe();
  EXPECT_EQ((*run)["protocol"], protocol);
  EXPECT_EQ((*run)["workload"], "vector");
  EXPECT_EQ((*run)["parties"], n);
  EXPECT_EQ((*run)["vector_length"], m);
  EXPECT_FALSE(run->contains("total_visits")) << "a vector run publishes no visit totals";

  const std::string bytes = ReadFileOrEmpty(cluster.vector_out_path());
  ASSERT_EQ(bytes.size(), m * 8) << "--vector-out must hold exactly M little-endian uint64 values";
  outcome->sums = DecodeSums(bytes);
  EXPECT_EQ((*run)["vector_sums_sha256"], Sha256Hex(bytes));
  ASSERT_TRUE((*run)["vector_sums_head"].is_array());
  const size_t head = std::min<size_t>(m, (*run)["vector_sums_head"].size());
  EXPECT_GE(head, std::min<uint64_t>(m, 1));
  for (size_t k = 0; k < head; ++k)
    EXPECT_EQ((*run)["vector_sums_head"][k].get<uint64_t>(), outcome->sums[k]) << k;
  outcome->run = std::move(*run);
}

// Mismatch positions, at most a few, for a readable failure.
std::string FirstDifferences(const std::vector<uint64_t>& got, const std::vector<uint64_t>& want) {
  std::string text;
  int shown = 0;
  for (size_t k = 0; k < std::min(got.size(), want.size()) && shown < 5; ++k) {
    if (got[k] != want[k]) {
      text += " [" + std::to_string(k) + "] " + std::to_string(got[k]) + " != " + std::to_string(want[k]);
      ++shown;
    }
  }
  return text;
}

uint64_t Metric(const json& run, const char* key, const std::string& who) {
  return run["metrics"][key][who].get<uint64_t>();
}

// ---------------------------------------------------------------- the N x M matrix

struct MatrixCase {
  int n;
  uint64_t m;
};

void PrintTo(const MatrixCase& c, std::ostream* os) { *os << "N=" << c.n << " M=" << c.m; }

class ProtocolMatrixTest : public ::testing::TestWithParam<MatrixCase> {};

TEST_P(ProtocolMatrixTest, EveryProtocolRevealsTheExactPlaintextSum) {
  const auto [n, m] = GetParam();
  const std::vector<uint64_t> expected = PlaintextSum(n, m, kSeed);
  VectorOutcome seeded, full, secagg;
  RunVector(n, m, "seeded", 0, &seeded);
  ASSERT_FALSE(HasFatalFailure());
  RunVector(n, m, "full", 0, &full);
  ASSERT_FALSE(HasFatalFailure());
  RunVector(n, m, "secagg", 0, &secagg);
  ASSERT_FALSE(HasFatalFailure());
  std::cout << "[protocol] N=" << n << " M=" << m << ": seeded " << seeded.seconds << " s, full "
            << full.seconds << " s, secagg " << secagg.seconds << " s (first start to last exit)\n";

  ASSERT_EQ(seeded.sums.size(), m);
  ASSERT_EQ(full.sums.size(), m);
  ASSERT_EQ(secagg.sums.size(), m);
  EXPECT_TRUE(seeded.sums == expected)
      << "seeded differs from the plaintext sum:" << FirstDifferences(seeded.sums, expected);
  EXPECT_TRUE(full.sums == expected) << "full differs from the plaintext sum:"
                                     << FirstDifferences(full.sums, expected);
  EXPECT_TRUE(secagg.sums == expected) << "secagg differs from the plaintext sum:"
                                       << FirstDifferences(secagg.sums, expected);
  EXPECT_EQ(seeded.run["vector_sums_sha256"], full.run["vector_sums_sha256"]);
  EXPECT_EQ(seeded.run["vector_sums_sha256"], secagg.run["vector_sums_sha256"]);
  EXPECT_EQ(secagg.run["included_parties"].size(), static_cast<size_t>(n));

  // Message sizes, for long vectors, where they are dominated by the vectors themselves.
  if (m < 1000000) return;
  const double vector_bytes = 8.0 * static_cast<double>(m);
  for (int p = 1; p <= n; ++p) {
    const std::string id = Cluster::PartyId(p);
    SCOPED_TRACE(id);
    // Seeded: one partial sum (M + N values) to the coordinator, one 16-byte key per peer, and the
    // TLS handshakes: at most 10 % over one vector plus 4 KiB per peer link.
    const uint64_t seeded_sent = Metric(seeded.run, "wire_bytes_sent", id);
    EXPECT_LE(static_cast<double>(seeded_sent), 1.1 * vector_bytes + 4096.0 * (n - 1))
        << seeded.run["metrics"].dump();
    EXPECT_GE(static_cast<double>(seeded_sent), vector_bytes);
    // Full: a share vector to every peer and one from every peer, plus the partial sum.
    const uint64_t full_sent = Metric(full.run, "wire_bytes_sent", id);
    const uint64_t full_received = Metric(full.run, "wire_bytes_received", id);
    EXPECT_GE(static_cast<double>(full_sent), (n - 1) * vector_bytes + vector_bytes)
        << full.run["metrics"].dump();
    EXPECT_GE(static_cast<double>(full_sent + full_received), 2.0 * (n - 1) * vector_bytes);
    EXPECT_LE(static_cast<double>(full_sent), 1.1 * n * vector_bytes + 4096.0 * (n - 1));
    // Secagg (issue 10's bound): one masked vector, the keys and the sealed shares, at most
    // 1.01 x M x 8 + 2 KiB per party.
    const uint64_t secagg_sent = Metric(secagg.run, "wire_bytes_sent", id);
    EXPECT_GE(static_cast<double>(secagg_sent), vector_bytes);
    EXPECT_LE(static_cast<double>(secagg_sent), 1.01 * vector_bytes + 2048.0 * n) << secagg.run["metrics"].dump();
    std::cout << "[protocol] N=" << n << " M=" << m << " " << id << " wire_bytes_sent: seeded " << seeded_sent
              << ", full " << full_sent << " (full/seeded " << double(full_sent) / double(seeded_sent)
              << "), secagg " << secagg_sent << "\n";
  }
  // The coordinator receives one vector per party under every protocol.
  for (const VectorOutcome* outcome : {&seeded, &full, &secagg}) {
    EXPECT_GE(static_cast<double>(Metric(outcome->run, "wire_bytes_received", "coordinator")),
              n * vector_bytes);
    EXPECT_LE(static_cast<double>(Metric(outcome->run, "wire_bytes_received", "coordinator")),
              1.1 * n * vector_bytes + 4096.0 * n);
  }
}

std::string MatrixName(const ::testing::TestParamInfo<MatrixCase>& info) {
  return "N" + std::to_string(info.param.n) + "_M" + std::to_string(info.param.m);
}

INSTANTIATE_TEST_SUITE_P(AllSizes, ProtocolMatrixTest,
                         ::testing::Values(MatrixCase{2, 1}, MatrixCase{2, 1000}, MatrixCase{2, 1000000},
                                           MatrixCase{3, 1}, MatrixCase{3, 1000}, MatrixCase{3, 1000000},
                                           MatrixCase{7, 1}, MatrixCase{7, 1000}, MatrixCase{7, 1000000}),
                         MatrixName);

// ---------------------------------------------------------------- chunking, visits, mismatches

TEST(ProtocolE2eTest, SmallChunksEveryProtocol) {
  // M + N = 1003 values in chunks of 7: 144 frames per vector (the last one of 2 values).
  const int n = 3;
  const uint64_t m = 1000;
  const std::vector<uint64_t> expected = PlaintextSum(n, m, kSeed);
  VectorOutcome seeded, full;
  RunVector(n, m, "seeded", 7, &seeded);
  ASSERT_FALSE(HasFatalFailure());
  RunVector(n, m, "full", 7, &full);
  ASSERT_FALSE(HasFatalFailure());
  VectorOutcome secagg;
  RunVector(n, m, "secagg", 7, &secagg);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(seeded.sums == expected) << FirstDifferences(seeded.sums, expected);
  EXPECT_TRUE(full.sums == expected) << FirstDifferences(full.sums, expected);
  EXPECT_TRUE(secagg.sums == expected) << FirstDifferences(secagg.sums, expected);
  // 144 frames cost more framing than one: the payload grows by at least a few bytes per frame.
  VectorOutcome one_chunk;
  RunVector(n, m, "full", 0, &one_chunk);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(one_chunk.sums == expected);
  for (int p = 1; p <= n; ++p) {
    const std::string id = Cluster::PartyId(p);
    EXPECT_GT(Metric(full.run, "payload_bytes_sent", id),
              Metric(one_chunk.run, "payload_bytes_sent", id) + 143 * 3)
        << id;
  }
}

TEST(ProtocolE2eTest, VisitsWorkloadSameTotalsUnderEveryProtocol) {
  std::map<std::string, json> runs;
  for (const std::string protocol : {"seeded", "full", "secagg"}) {
    Cluster cluster({.num_parties = 3, .log_level = "warn", .protocol = protocol});
    for (int p = 1; p <= 3; ++p) cluster.UseSynthetic(p, 200 + 100 * p, 77);
    cluster.StartAll();
    ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
    for (const std::string& name : cluster.process_names()) {
      ASSERT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
    }
    std::optional<json> run = cluster.RunJson();
    ASSERT_TRUE(run.has_value()) << cluster.Describe();
    EXPECT_EQ((*run)["protocol"], protocol);
    EXPECT_FALSE(run->contains("vector_length"));
    // The parties' own local results, summed here.
    uint64_t users = 0;
    std::map<std::string, uint64_t> visits;
    for (int p = 1; p <= 3; ++p) {
      std::optional<json> local = cluster.LocalJson(p);
      ASSERT_TRUE(local.has_value());
      users += (*local)["users"].get<uint64_t>();
      for (const std::string& c : DefaultCategories()) visits[c] += (*local)["visits"][c].get<uint64_t>();
    }
    EXPECT_EQ((*run)["total_users"].get<uint64_t>(), users) << protocol;
    for (const std::string& c : DefaultCategories()) {
      EXPECT_EQ((*run)["total_visits"][c].get<uint64_t>(), visits[c]) << protocol << " " << c;
    }
    runs[protocol] = *run;
  }
  for (const std::string other : {"full", "secagg"}) {
    EXPECT_EQ(runs["seeded"]["total_visits"], runs[other]["total_visits"]) << other;
    EXPECT_EQ(runs["seeded"]["total_users"], runs[other]["total_users"]) << other;
    EXPECT_EQ(runs["seeded"]["average_visits_per_user"], runs[other]["average_visits_per_user"]) << other;
  }
}

// Replaces the value after `flag` in a command line.
void SetFlag(std::vector<std::string>* argv, const std::string& flag, const std::string& value) {
  for (size_t i = 0; i + 1 < argv->size(); ++i) {
    if ((*argv)[i] == flag) {
      (*argv)[i + 1] = value;
      return;
    }
  }
  FAIL() << flag << " not in the command line";
}

// Every process ends on its own, non-zero, and nothing is published.
void ExpectCleanFailure(Cluster& cluster) {
  ASSERT_TRUE(cluster.WaitAll()) << "a process hung\n" << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    std::optional<int> code = cluster.exit_code(name);
    ASSERT_TRUE(code.has_value()) << name;
    EXPECT_NE(*code, 0) << name << "\n" << cluster.Describe();
    EXPECT_LT(*code, 128) << name << " died of a signal\n" << cluster.Describe();
  }
  EXPECT_FALSE(cluster.RunJson().has_value()) << "a failed run published run.json";
  EXPECT_FALSE(std::filesystem::exists(cluster.vector_out_path())) << "a failed run published vector sums";
}

TEST(ProtocolE2eTest, PartyVectorLengthMismatchFailsClearly) {
  for (const std::string protocol : {"seeded", "full"}) {
    SCOPED_TRACE(protocol);
    Cluster cluster({.num_parties = 3, .log_level = "warn", .protocol = protocol, .vector_length = 1000});
    cluster.StartCoordinator();
    cluster.StartParty(1);
    std::vector<std::string> argv = cluster.PartyArgs(2);
    SetFlag(&argv, "--vector-length", "999");
    cluster.StartCustom(Cluster::PartyId(2), argv);
    cluster.StartParty(3);
    ExpectCleanFailure(cluster);
    // party2 says what is wrong: the coordinator's length (1000 + 3 check values) against its own.
    const std::string log = cluster.Log("party2");
    EXPECT_NE(log.find("BAD_INPUT"), std::string::npos) << log;
    EXPECT_NE(log.find("coordinator expects vectors of 1003 values, ours has 1002"), std::string::npos)
        << log;
    EXPECT_NE(log.find("--vector-length"), std::string::npos) << log;
    // The others learn that the run stopped, who stopped it and why, rather than timing out.
    for (const std::string name : {"coordinator", "party1", "party3"}) {
      const std::string other = cluster.Log(name);
      EXPECT_NE(other.find("ABORTED"), std::string::npos) << name << ": " << other;
      EXPECT_NE(other.find("party2 aborted the run: BAD_INPUT"), std::string::npos) << name << ": " << other;
    }
  }
}

TEST(ProtocolE2eTest, CoordinatorVectorLengthMismatchFailsClearly) {
  // All parties agree on 1000; the coordinator wants 1001.
  Cluster cluster({.num_parties = 3, .log_level = "warn", .vector_length = 1000});
  std::vector<std::string> argv = cluster.CoordinatorArgs();
  SetFlag(&argv, "--vector-length", "1001");
  cluster.StartCustom("coordinator", argv);
  for (int p = 1; p <= 3; ++p) cluster.StartParty(p);
  ExpectCleanFailure(cluster);
  for (int p = 1; p <= 3; ++p) {
    const std::string log = cluster.Log(Cluster::PartyId(p));
    EXPECT_NE(log.find("coordinator expects vectors of 1004 values, ours has 1003"), std::string::npos)
        << log;
  }
}

TEST(ProtocolE2eTest, VectorPartiesAgainstVisitsCoordinatorFail) {
  // A coordinator without --vector-length runs the default query: the workloads differ.
  Cluster cluster({.num_parties = 3, .log_level = "warn", .vector_length = 500});
  std::vector<std::string> argv = cluster.CoordinatorArgs();
  const auto at = std::find(argv.begin(), argv.end(), "--vector-length");
  ASSERT_NE(at, argv.end());
  argv.erase(at, at + 4);  // --vector-length M --vector-out FILE
  cluster.StartCustom("coordinator", argv);
  for (int p = 1; p <= 3; ++p) cluster.StartParty(p);
  ExpectCleanFailure(cluster);
  EXPECT_NE(cluster.Log("party1").find("the coordinator runs the query workload but this party was started with "
                                       "--vector-length"),
            std::string::npos)
      << cluster.Log("party1");
}

}  // namespace
}  // namespace mpcstats::e2e
