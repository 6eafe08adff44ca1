// Additive sharing over Z_2^64 and the AES-CTR PRG behind it.
//
// Correctness: Reconstruct(SplitIntoShares(x)) == x for edge values, lengths and party counts.
// Privacy: any n-1 shares of a fixed secret look uniform. The statistical tests use thresholds at
// p of about 1e-6 per statistic so they do not flake, and each one is also run on a deliberately
// biased source to show it can fail.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "common/core/secure_random.h"
#include "common/core/sharing.h"

namespace mpcstats::core {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// A broken source: only small numbers (below 2^16). Sharing with it must be caught by the tests.
class SmallNumberSource final : public RandomSource {
 public:
  explicit SmallNumberSource(uint64_t seed) : state_(seed) {}
  void Fill(std::span<uint64_t> out) override {
    for (auto& v : out) {
      state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
      v = state_ >> 48;
    }
  }

 private:
  uint64_t state_;
};

// A subtler broken source: uniform except that one bit position is stuck at 0.
class StuckBitSource final : public RandomSource {
 public:
  explicit StuckBitSource(int bit) : mask_(~(uint64_t{1} << bit)) {}
  void Fill(std::span<uint64_t> out) override {
    inner_.Fill(out);
    for (auto& v : out) v &= mask_;
  }

 private:
  SecureRandom inner_;
  uint64_t mask_;
};

// Counts a source of raw draws, for sources that must pass or fail on their own.
std::vector<uint64_t> Draw(RandomSource& rng, size_t count) {
  std::vector<uint64_t> out(count);
  rng.Fill(out);
  return out;
}

// Pearson chi-square of the top 4 bits (16 equiprobable buckets), 15 degrees of freedom.
double ChiSquareTop4(const std::vector<uint64_t>& samples) {
  std::array<double, 16> counts{};
  for (uint64_t v : samples) counts[v >> 60] += 1;
  const double expected = static_cast<double>(samples.size()) / 16.0;
  double chi = 0;
  for (double c : counts) chi += (c - expected) * (c - expected) / expected;
  return chi;
}

// Joint chi-square of (top 2 bits of a, top 2 bits of b): 16 buckets, 15 df. Catches a pair of
// shares that are each uniform but related to each other.
double ChiSquareJointTop2(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::array<double, 16> counts{};
  for (size_t i = 0; i < a.size(); ++i) counts[((a[i] >> 62) << 2) | (b[i] >> 62)] += 1;
  const double expected = static_cast<double>(a.size()) / 16.0;
  double chi = 0;
  for (double c : counts) chi += (c - expected) * (c - expected) / expected;
  return chi;
}

// Largest |z| over the 64 bit positions of the count of ones against Binomial(n, 1/2).
double MaxBitZ(const std::vector<uint64_t>& samples) {
  std::array<double, 64> ones{};
  for (uint64_t v : samples) {
    for (int b = 0; b < 64; ++b) ones[b] += static_cast<double>((v >> b) & 1);
  }
  const double n = static_cast<double>(samples.size());
  double worst = 0;
  for (double k : ones) worst = std::max(worst, std::abs(k - n / 2) / std::sqrt(n / 4));
  return worst;
}

// chi2(15) upper tail: P(X > 58) is about 5e-7.
constexpr double kChiSquareLimit = 58.0;
// P(|Z| > 6) is about 2e-9 per bit, about 1.3e-7 for 64 bits.
constexpr double kBitZLimit = 6.0;
constexpr size_t kSamples = 20000;

struct ShareSamples {
  std::vector<std::vector<uint64_t>> by_share;  // by_share[j][k]: share j of sharing k
};

// kSamples sharings of a one-value secret among n parties.
ShareSamples Sample(uint64_t secret, size_t n, RandomSource& rng) {
  ShareSamples out;
  out.by_share.assign(n, std::vector<uint64_t>(kSamples));
  const std::vector<uint64_t> secret_vec = {secret};
  for (size_t k = 0; k < kSamples; ++k) {
    auto shares = SplitIntoShares(secret_vec, n, rng);
    for (size_t j = 0; j < n; ++j) out.by_share[j][k] = shares[j][0];
  }
  return out;
}

// True if the pair of shares (i, j) passes every uniformity statistic.
::testing::AssertionResult PairLooksUniform(const ShareSamples& s, size_t i, size_t j) {
  const double chi_i = ChiSquareTop4(s.by_share[i]);
  const double chi_j = ChiSquareTop4(s.by_share[j]);
  const double chi_joint = ChiSquareJointTop2(s.by_share[i], s.by_share[j]);
  const double z_i = MaxBitZ(s.by_share[i]);
  const double z_j = MaxBitZ(s.by_share[j]);
  if (chi_i > kChiSquareLimit || chi_j > kChiSquareLimit || chi_joint > kChiSquareLimit || z_i > kBitZLimit ||
      z_j > kBitZLimit) {
    return ::testing::AssertionFailure() << "shares {" << i << "," << j << "}: chi2 top4 " << chi_i << ", "
                                         << chi_j << ", joint " << chi_joint << "; max bit z " << z_i << ", "
                                         << z_j;
  }
  return ::testing::AssertionSuccess() << "chi2 " << chi_i << ", " << chi_j << ", joint " << chi_joint
                                       << "; max bit z " << z_i << ", " << z_j;
}

TEST(SharingTest, ReconstructsEdgeSecrets) {
  SecureRandom rng;
  const std::vector<uint64_t> secret = {0, 1, 2, kMax, kMax - 1, uint64_t{1} << 63, 0x0123456789abcdefULL};
  for (size_t n = 1; n <= 10; ++n) {
    auto shares = SplitIntoShares(secret, n, rng);
    ASSERT_EQ(shares.size(), n);
    for (const auto& s : shares) ASSERT_EQ(s.size(), secret.size());
    EXPECT_EQ(Reconstruct(shares), secret) << "n=" << n;
  }
}

TEST(SharingTest, ReconstructsRandomSecretsOfEveryLength) {
  SecureRandom rng;
  for (size_t length : {size_t{0}, size_t{1}, size_t{1000}}) {
    for (size_t n = 1; n <= 10; ++n) {
      std::vector<uint64_t> secret(length);
      rng.Fill(secret);
      auto shares = SplitIntoShares(secret, n, rng);
      ASSERT_EQ(shares.size(), n);
      for (const auto& s : shares) ASSERT_EQ(s.size(), length);
      EXPECT_EQ(Reconstruct(shares), secret) << "length=" << length << " n=" << n;
    }
  }
}

// An empty secret gives n empty shares, and an empty fill is a no-op. Regression test: FillBytes
// once passed the null data() of an empty span to memset (UB; UBSan aborted the sanitizer build).
TEST(SharingTest, EmptySecretGivesEmptyShares) {
  SecureRandom rng;
  for (size_t n = 1; n <= 10; ++n) {
    auto shares = SplitIntoShares(std::span<const uint64_t>(), n, rng);
    ASSERT_EQ(shares.size(), n);
    for (const auto& s : shares) EXPECT_TRUE(s.empty());
    EXPECT_TRUE(Reconstruct(shares).empty());
  }
  AesCtrPrg prg(NewRandomKey());
  prg.FillBytes(std::span<uint8_t>());
  prg.Fill(std::span<uint64_t>());
}

TEST(SharingTest, OnePartyShareIsTheSecret) {
  SecureRandom rng;
  const std::vector<uint64_t> secret = {5, kMax, 0};
  auto shares = SplitIntoShares(secret, 1, rng);
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares[0], secret);
}

TEST(SharingTest, SharesOfSameSecretDifferBetweenSharings) {
  SecureRandom rng;
  const std::vector<uint64_t> secret(64, 42);
  auto a = SplitIntoShares(secret, 3, rng);
  auto b = SplitIntoShares(secret, 3, rng);
  for (size_t j = 0; j < 3; ++j) EXPECT_NE(a[j], b[j]) << "share " << j;
  // No share equals the secret (probability 2^-4096 per share for a correct implementation).
  for (size_t j = 0; j < 3; ++j) EXPECT_NE(a[j], secret) << "share " << j;
}

TEST(SharingTest, RingArithmeticWrapsAround) {
  std::vector<uint64_t> acc = {kMax, 0, 1};
  const std::vector<uint64_t> one = {1, 1, 1};
  AddInto(acc, one);
  EXPECT_EQ(acc, (std::vector<uint64_t>{0, 1, 2}));
  SubtractFrom(acc, one);
  EXPECT_EQ(acc, (std::vector<uint64_t>{kMax, 0, 1}));
  SubtractFrom(acc, one);
  EXPECT_EQ(acc, (std::vector<uint64_t>{kMax - 1, kMax, 0}));
  EXPECT_TRUE(Reconstruct(std::span<const ShareVector>()).empty());
  const std::vector<ShareVector> halves = {{uint64_t{1} << 63}, {uint64_t{1} << 63}};
  EXPECT_EQ(Reconstruct(halves), (ShareVector{0}));
}

// Any n-1 of n = 3 shares of a fixed secret are uniform: {0,1} (both drawn from the source) and
// {1,2} (one drawn, one derived from the secret).
TEST(SharingTest, AnyTwoOfThreeSharesLookUniform) {
  SecureRandom rng;
  for (uint64_t secret : {uint64_t{0}, kMax}) {
    const ShareSamples s = Sample(secret, 3, rng);
    EXPECT_TRUE(PairLooksUniform(s, 0, 1)) << "secret " << secret;
    EXPECT_TRUE(PairLooksUniform(s, 1, 2)) << "secret " << secret;
    EXPECT_TRUE(PairLooksUniform(s, 0, 2)) << "secret " << secret;
  }
}

// The same statistics reject shares made from a biased source: the test has power.
TEST(SharingTest, UniformityStatisticsRejectBiasedSources) {
  {
    SmallNumberSource small(7);
    for (uint64_t secret : {uint64_t{0}, kMax}) {
      const ShareSamples s = Sample(secret, 3, small);
      EXPECT_FALSE(PairLooksUniform(s, 0, 1)) << "secret " << secret;
      EXPECT_FALSE(PairLooksUniform(s, 1, 2)) << "secret " << secret;
      EXPECT_GT(ChiSquareTop4(s.by_share[0]), 100 * kChiSquareLimit);
      EXPECT_GT(MaxBitZ(s.by_share[2]), 10 * kBitZLimit);
    }
  }
  {
    // One stuck low bit: invisible to the top-4-bits chi-square, caught by the bit-balance test.
    StuckBitSource stuck(17);
    const auto raw = Draw(stuck, kSamples);
    EXPECT_LT(ChiSquareTop4(raw), kChiSquareLimit);
    EXPECT_GT(MaxBitZ(raw), kBitZLimit);
    const ShareSamples s = Sample(0, 3, stuck);
    EXPECT_FALSE(PairLooksUniform(s, 0, 1));
  }
  {
    // Shares that are each uniform but equal to each other fail the joint test.
    SecureRandom rng;
    const auto a = Draw(rng, kSamples);
    EXPECT_LT(ChiSquareTop4(a), kChiSquareLimit);
    EXPECT_GT(ChiSquareJointTop2(a, a), kChiSquareLimit);
  }
}

// ---- AES-CTR PRG ----

AesKey KeyFromHex(const char* hex) {
  AesKey key{};
  for (size_t i = 0; i < key.size(); ++i) {
    unsigned value = 0;
    std::sscanf(hex + 2 * i, "%2x", &value);
    key[i] = static_cast<uint8_t>(value);
  }
  return key;
}

// AES-128-ECB encryption of the 128-bit big-endian counter blocks first..first+blocks-1, computed
// with EVP directly: the keystream AES-CTR started at block `first` must produce.
std::vector<uint8_t> ExpectedKeystream(const AesKey& key, size_t blocks, uint64_t first = 0) {
  std::vector<uint8_t> counters(16 * blocks, 0);
  for (size_t i = 0; i < blocks; ++i) {
    const uint64_t low = first + i;
    const uint64_t high = low < first ? 1 : 0;  // the carry out of the low 64 bits
    for (int b = 0; b < 8; ++b) {
      counters[16 * i + 15 - b] = static_cast<uint8_t>(low >> (8 * b));
      counters[16 * i + 7 - b] = static_cast<uint8_t>(high >> (8 * b));
    }
  }
  std::vector<uint8_t> out(counters.size());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EXPECT_NE(ctx, nullptr);
  int written = 0;
  EXPECT_EQ(EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), nullptr, key.data(), nullptr), 1);
  EXPECT_EQ(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
  EXPECT_EQ(EVP_EncryptUpdate(ctx, out.data(), &written, counters.data(), static_cast<int>(counters.size())), 1);
  EXPECT_EQ(static_cast<size_t>(written), out.size());
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

TEST(AesCtrPrgTest, KnownAnswerNistKey) {
  const AesKey key = KeyFromHex("2b7e151628aed2a6abf7158809cf4f3c");
  AesCtrPrg prg(key);
  std::vector<uint8_t> stream(48);
  prg.FillBytes(stream);
  // AES-128(key, counter block 0, 1, 2), also checked with `openssl enc -aes-128-ecb`.
  const std::vector<uint8_t> fixed = {
      0x7d, 0xf7, 0x6b, 0x0c, 0x1a, 0xb8, 0x99, 0xb3, 0x3e, 0x42, 0xf0, 0x47, 0xb9, 0x1b, 0x54, 0x6f,
      0x57, 0x12, 0x7d, 0x40, 0x34, 0xb1, 0xbe, 0xbf, 0xae, 0xf4, 0x66, 0xb9, 0xc7, 0x72, 0x6f, 0xc6,
      0x97, 0x3f, 0x2e, 0xf3, 0x48, 0x79, 0xe2, 0x02, 0x7f, 0x17, 0x34, 0x30, 0x3f, 0xf2, 0x1f, 0x89};
  EXPECT_EQ(stream, fixed);
  EXPECT_EQ(stream, ExpectedKeystream(key, 3));
}

TEST(AesCtrPrgTest, KnownAnswerRandomKeyLongStream) {
  const AesKey key = NewRandomKey();
  AesCtrPrg prg(key);
  std::vector<uint8_t> stream(16 * 300);
  prg.FillBytes(stream);
  EXPECT_EQ(stream, ExpectedKeystream(key, 300));
}

TEST(AesCtrPrgTest, StartsAtAnyBlockIncludingCarriesPastThe32And64BitBoundaries) {
  const AesKey key = NewRandomKey();
  AesCtrPrg whole(key);
  std::vector<uint8_t> stream(16 * 40);
  whole.FillBytes(stream);
  AesCtrPrg later(key, 17);
  std::vector<uint8_t> tail(16 * 23);
  later.FillBytes(tail);
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), stream.begin() + 16 * 17));
  for (uint64_t first : {uint64_t{0xfffffffe}, ~uint64_t{0} - 1}) {
    AesCtrPrg prg(key, first);
    std::vector<uint8_t> out(16 * 4);
    prg.FillBytes(out);
    EXPECT_EQ(out, ExpectedKeystream(key, 4, first)) << "first block " << first;
  }
}

TEST(AesCtrPrgTest, FillReadsTheKeystreamAsLittleEndianWords) {
  const AesKey key = KeyFromHex("2b7e151628aed2a6abf7158809cf4f3c");
  AesCtrPrg prg(key);
  std::vector<uint64_t> words(6);
  prg.Fill(words);
  const auto bytes = ExpectedKeystream(key, 3);
  for (size_t i = 0; i < words.size(); ++i) {
    uint64_t expected = 0;
    for (int b = 7; b >= 0; --b) expected = (expected << 8) | bytes[8 * i + b];
    EXPECT_EQ(words[i], expected) << "word " << i;
  }
  EXPECT_EQ(words[0], 0xb399b81a0c6bf77dULL);
}

TEST(AesCtrPrgTest, SameKeySameStreamAcrossCallBoundaries) {
  const AesKey key = NewRandomKey();
  AesCtrPrg one_go(key);
  std::vector<uint8_t> whole(1000);
  one_go.FillBytes(whole);

  // Uneven pieces, including ones that end inside an AES block, must continue the same stream.
  AesCtrPrg pieces(key);
  std::vector<uint8_t> joined;
  for (size_t piece : {size_t{1}, size_t{5}, size_t{16}, size_t{27}, size_t{0}, size_t{100}, size_t{851}}) {
    std::vector<uint8_t> part(piece);
    pieces.FillBytes(part);
    joined.insert(joined.end(), part.begin(), part.end());
  }
  EXPECT_EQ(joined, whole);

  AesCtrPrg a(key);
  AesCtrPrg b(key);
  std::vector<uint64_t> wa(257);
  std::vector<uint64_t> wb(257);
  a.Fill(wa);
  b.Fill(wb);
  EXPECT_EQ(wa, wb);
}

TEST(AesCtrPrgTest, DifferentKeysDifferentStreams) {
  AesKey k1 = NewRandomKey();
  AesKey k2 = k1;
  k2[15] ^= 1;  // one bit apart
  AesCtrPrg a(k1);
  AesCtrPrg b(k2);
  std::vector<uint64_t> wa(64);
  std::vector<uint64_t> wb(64);
  a.Fill(wa);
  b.Fill(wb);
  size_t equal = 0;
  for (size_t i = 0; i < wa.size(); ++i) equal += wa[i] == wb[i];
  EXPECT_EQ(equal, 0u);
}

TEST(AesCtrPrgTest, NewRandomKeysDiffer) {
  EXPECT_NE(NewRandomKey(), NewRandomKey());
  SecureRandom r1;
  SecureRandom r2;
  std::vector<uint64_t> a(8);
  std::vector<uint64_t> b(8);
  r1.Fill(a);
  r2.Fill(b);
  EXPECT_NE(a, b);
}

TEST(AesCtrPrgTest, OutputLooksUniform) {
  SecureRandom rng;
  const auto samples = Draw(rng, kSamples);
  EXPECT_LT(ChiSquareTop4(samples), kChiSquareLimit);
  EXPECT_LT(MaxBitZ(samples), kBitZLimit);
}

}  // namespace
}  // namespace mpcstats::core
