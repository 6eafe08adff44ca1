// Shamir sharing over GF(2^127 - 1): field arithmetic against a shift-and-add reference, share and
// reconstruct at several (t, n) from random subsets, every refusal, and a chi-square test that any
// t - 1 shares are uniform whatever the secret (with a power check: the same test does fail on
// shares that determine the secret).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "common/core/shamir.h"

namespace mpcstats::core {
namespace {

AesKey TestKey(uint8_t tag) {
  AesKey key{};
  key.fill(tag);
  return key;
}

ShamirSecret RandomSecret(RandomSource& rng) {
  ShamirSecret s;
  FillRandomBytes(rng, s);
  return s;
}

// a * b by doubling and adding, using only FieldAdd: independent of FieldMul's reduction.
FieldElement ReferenceMul(FieldElement a, FieldElement b) {
  FieldElement result = 0;
  for (int bit = 126; bit >= 0; --bit) {
    result = FieldAdd(result, result);
    if ((b >> bit) & 1) result = FieldAdd(result, a);
  }
  return result;
}

TEST(FieldTest, ArithmeticMatchesReference) {
  AesCtrPrg rng(TestKey(1));
  const FieldElement edge[] = {0, 1, 2, kFieldPrime - 1, kFieldPrime - 2, FieldElement{1} << 126, (FieldElement{1} << 64) - 1};
  std::vector<FieldElement> values(std::begin(edge), std::end(edge));
  for (int i = 0; i < 200; ++i) values.push_back(RandomFieldElement(rng));
  for (const auto a : values) {
    ASSERT_LT(a, kFieldPrime);
    for (size_t k = 0; k < 20; ++k) {
      const FieldElement b = values[(k * 31 + static_cast<size_t>(a % 97)) % values.size()];
      const FieldElement product = FieldMul(a, b);
      ASSERT_LT(product, kFieldPrime);
      ASSERT_EQ(product, ReferenceMul(a, b));
      ASSERT_EQ(FieldSub(FieldAdd(a, b), b), a);
    }
    if (a != 0) {
      ASSERT_EQ(FieldMul(a, FieldInverse(a)), FieldElement{1});
    }
  }
  for (const auto a : values) {
    for (const uint32_t x : {0u, 1u, 2u, 3u, 200u, 65537u, 0x7fffffffu, 0xffffffffu, static_cast<uint32_t>(a)}) {
      ASSERT_EQ(FieldMulSmall(a, x), ReferenceMul(a, x)) << "x=" << x;
    }
  }
  EXPECT_EQ(FieldMul(kFieldPrime - 1, kFieldPrime - 1), FieldElement{1});  // (-1)^2
  EXPECT_EQ(FieldAdd(kFieldPrime - 1, 1), FieldElement{0});
  EXPECT_EQ(FieldSub(0, 1), kFieldPrime - 1);
}

TEST(ShamirTest, ReconstructsFromAnyTSharesAtSeveralThresholds) {
  AesCtrPrg rng(TestKey(2));
  std::mt19937 shuffle(7);  // picks subsets only; the shares come from the AES-CTR source
  const std::pair<size_t, size_t> cases[] = {{1, 1}, {1, 3}, {2, 2}, {2, 3}, {3, 5}, {4, 7}, {5, 7}, {7, 7}, {10, 10}, {9, 16}};
  for (const auto& [t, n] : cases) {
    for (int trial = 0; trial < 10; ++trial) {
      const ShamirSecret secret = RandomSecret(rng);
      auto shares = ShamirSplit(secret, t, n, rng);
      ASSERT_TRUE(shares.ok()) << shares.status().ToString();
      ASSERT_EQ(shares->size(), n);
      for (size_t k = 0; k < n; ++k) EXPECT_EQ((*shares)[k].x, k + 1);
      std::vector<ShamirShare> subset = *shares;
      std::shuffle(subset.begin(), subset.end(), shuffle);
      subset.resize(t + (trial % 2 == 0 ? 0 : (n - t)));  // exactly t, or all n
      auto back = ShamirReconstruct(subset, t);
      ASSERT_TRUE(back.ok()) << "t=" << t << " n=" << n << ": " << back.status().ToString();
      EXPECT_EQ(*back, secret) << "t=" << t << " n=" << n;
      // Encoding round trip.
      auto decoded = DecodeShamirShare(subset[0].x, EncodeShamirShare(subset[0]));
      ASSERT_TRUE(decoded.ok());
      EXPECT_EQ(decoded->y, subset[0].y);
    }
  }
}

TEST(ShamirTest, TMinusOneSharesDoNotReconstruct) {
  AesCtrPrg rng(TestKey(3));
  const ShamirSecret secret = RandomSecret(rng);
  auto shares = ShamirSplit(secret, 4, 6, rng);
  ASSERT_TRUE(shares.ok());
  std::vector<ShamirShare> three(shares->begin(), shares->begin() + 3);
  auto back = ShamirReconstruct(three, 4);
  EXPECT_EQ(back.status().code(), Code::kInvalidShare);
  // Interpolating 3 shares as if t were 3 gives a wrong value (and almost surely out of range).
  auto wrong = ShamirReconstruct(three, 3);
  EXPECT_TRUE(!wrong.ok() || *wrong != secret);
}

TEST(ShamirTest, RefusesBadParametersAndShares) {
  AesCtrPrg rng(TestKey(4));
  const ShamirSecret secret = RandomSecret(rng);
  EXPECT_EQ(ShamirSplit(secret, 0, 3, rng).status().code(), Code::kUsage);
  EXPECT_EQ(ShamirSplit(secret, 4, 3, rng).status().code(), Code::kUsage);
  auto shares = ShamirSplit(secret, 3, 5, rng);
  ASSERT_TRUE(shares.ok());
  std::vector<ShamirShare> duplicate = {(*shares)[0], (*shares)[1], (*shares)[1]};
  EXPECT_EQ(ShamirReconstruct(duplicate, 3).status().code(), Code::kInvalidShare);
  std::vector<ShamirShare> zero = {(*shares)[0], (*shares)[1], (*shares)[2]};
  zero[2].x = 0;
  EXPECT_EQ(ShamirReconstruct(zero, 3).status().code(), Code::kInvalidShare);
  std::vector<ShamirShare> out_of_range = {(*shares)[0], (*shares)[1], (*shares)[2]};
  out_of_range[1].y[0] = kFieldPrime;
  EXPECT_EQ(ShamirReconstruct(out_of_range, 3).status().code(), Code::kInvalidShare);
  // A corrupted share: the reconstructed group no longer fits its 88 bits (an error that small
  // Lagrange coefficients keep in range would not be caught: this is not a MAC).
  std::vector<ShamirShare> corrupted = {(*shares)[0], (*shares)[1], (*shares)[2]};
  corrupted[0].y[1] = FieldAdd(corrupted[0].y[1], FieldElement{1} << 120);
  EXPECT_EQ(ShamirReconstruct(corrupted, 3).status().code(), Code::kInvalidShare);
  std::vector<uint8_t> short_bytes(kShamirShareBytes - 1);
  EXPECT_EQ(DecodeShamirShare(1, short_bytes).status().code(), Code::kInvalidShare);
  std::vector<uint8_t> too_big(kShamirShareBytes, 0xff);  // 2^128 - 1 >= p
  EXPECT_EQ(DecodeShamirShare(1, too_big).status().code(), Code::kInvalidShare);
}

// One reconstructor for many secrets: right while the points stay (the basis is reused), right
// again when they change (other parties, another order), and a bad set of points is refused
// without spoiling the next call.
TEST(ShamirTest, ReconstructorReusesItsBasisOnlyForTheSamePoints) {
  AesCtrPrg rng(TestKey(6));
  constexpr size_t t = 5, n = 9;
  ShamirReconstructor reconstructor(t);
  std::mt19937 shuffle(11);
  for (int round = 0; round < 4; ++round) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::shuffle(order.begin(), order.end(), shuffle);  // new points each round
    for (int secret_index = 0; secret_index < 5; ++secret_index) {
      const ShamirSecret secret = RandomSecret(rng);
      auto shares = ShamirSplit(secret, t, n, rng);
      ASSERT_TRUE(shares.ok());
      std::vector<ShamirShare> picked;
      for (const size_t k : order) picked.push_back((*shares)[k]);
      auto back = reconstructor.Reconstruct(picked);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(*back, secret) << "round " << round << " secret " << secret_index;
    }
    const ShamirSecret secret = RandomSecret(rng);
    auto shares = ShamirSplit(secret, t, n, rng);
    ASSERT_TRUE(shares.ok());
    std::vector<ShamirShare> repeated(shares->begin(), shares->begin() + t);
    repeated[t - 1].x = repeated[0].x;
    EXPECT_EQ(reconstructor.Reconstruct(repeated).status().code(), Code::kInvalidShare);
    auto after = reconstructor.Reconstruct(std::span<const ShamirShare>(*shares).first(t));
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(*after, secret);
  }
}

// Pearson chi-square of `bins` against the uniform distribution.
double ChiSquare(const std::vector<uint64_t>& bins) {
  const double total = std::accumulate(bins.begin(), bins.end(), 0.0);
  const double expected = total / static_cast<double>(bins.size());
  double chi = 0;
  for (const auto b : bins) chi += (static_cast<double>(b) - expected) * (static_cast<double>(b) - expected) / expected;
  return chi;
}

// Joint histogram of the top `bits` bits of element `element` of the observed shares (x = 1..k)
// over `trials` sharings of `secret` at (t, n).
std::vector<uint64_t> TopBitsHistogram(const ShamirSecret& secret, size_t t, size_t n, size_t observed, int bits,
                                       size_t element, int trials, RandomSource& rng) {
  std::vector<uint64_t> bins(size_t{1} << (bits * observed), 0);
  for (int trial = 0; trial < trials; ++trial) {
    auto shares = ShamirSplit(secret, t, n, rng);
    EXPECT_TRUE(shares.ok());
    size_t bin = 0;
    for (size_t k = 0; k < observed; ++k) bin = (bin << bits) | static_cast<size_t>((*shares)[k].y[element] >> (127 - bits));
    ++bins[bin];
  }
  return bins;
}

// Any t - 1 shares are uniform and independent of the secret: the joint distribution of the top
// bits of t - 1 shares passes a chi-square test for a zero secret and an all-ones secret, at t < n
// and t = n. 16 bins (15 degrees of freedom), 16000 sharings; critical value 37.70 is the 0.999
// quantile, so a correct implementation fails with probability 0.1% per histogram over random seeds
// (the seeds here are fixed, so the outcome is reproducible).
TEST(ShamirTest, AnyTMinusOneSharesAreUniform) {
  constexpr double kCritical = 37.70;  // chi-square, 15 df, alpha = 0.001
  constexpr int kTrials = 16000;
  AesCtrPrg rng(TestKey(5));
  ShamirSecret zero{};
  ShamirSecret ones;
  ones.fill(0xff);
  for (const auto& secret : {zero, ones}) {
    // t = 3 of n = 5: shares at x = 1, 2; top 2 bits each.
    const double chi_a = ChiSquare(TopBitsHistogram(secret, 3, 5, 2, 2, 0, kTrials, rng));
    EXPECT_LT(chi_a, kCritical) << "t=3 n=5";
    // t = n = 5: shares at x = 1..4; top bit each; the last (shortest) element.
    const double chi_b = ChiSquare(TopBitsHistogram(secret, 5, 5, 4, 1, 2, kTrials, rng));
    EXPECT_LT(chi_b, kCritical) << "t=n=5";
  }
  // Power: two shares of a 2-of-n sharing of a known secret are tied (y2 = 2 y1 for secret 0), and
  // the same test must see it.
  const double chi_tied = ChiSquare(TopBitsHistogram(zero, 2, 5, 2, 2, 0, kTrials, rng));
  EXPECT_GT(chi_tied, kCritical);
}

}  // namespace
}  // namespace mpcstats::core
