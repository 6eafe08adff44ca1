// The exact samplers against their exact probability mass functions: chi-square goodness of fit
// (which must also reject a sampler 5 % off in sigma), means, the Bernoulli(exp(-gamma)) coin,
// and the variance of the sum of h parties' noise. Deterministic: every test seeds its own
// AES-CTR stream, so a failure reproduces.
#include "common/core/discrete_gaussian.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <vector>

#include "common/core/secure_random.h"

namespace mpcstats::core {
namespace {

AesKey Key(uint8_t tag) {
  AesKey key{};
  key[0] = tag;
  key[15] = 0x5a;
  return key;
}

struct Fit {
  double statistic = 0;
  double critical = 0;  // at significance 1e-6
  size_t bins = 0;
};

// Chi-square upper quantile at p = 1e-6 by the Wilson-Hilferty approximation (z = 4.753).
double ChiSquareCritical(double df) {
  const double z = 4.753;
  const double a = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - a + z * std::sqrt(a), 3);
}

// Pearson's chi-square of `samples` against the unnormalised pmf `weight` on the integers,
// bins of `width` consecutive integers over the central range, both tails pooled, every bin
// expected to hold at least 5 samples.
Fit GoodnessOfFit(const std::vector<int64_t>& samples, const std::function<long double(int64_t)>& weight,
                  int64_t support, int64_t width) {
  long double total = 0;
  for (int64_t x = -support; x <= support; ++x) total += weight(x);
  const auto n = static_cast<long double>(samples.size());
  // Central bins [lo, lo + width) from -edge to edge; everything outside goes to the tails.
  std::vector<std::pair<int64_t, int64_t>> bins;  // [lo, hi)
  int64_t edge = 0;
  while (edge < support) {
    long double tail = 0;
    for (int64_t x = edge + width; x <= support; ++x) tail += weight(x);
    if (tail / total * n < 5) break;
    edge += width;
  }
  bins.push_back({INT64_MIN, -edge});
  for (int64_t lo = -edge; lo < edge; lo += width) bins.push_back({lo, lo + width});
  bins.push_back({edge, INT64_MAX});
  std::vector<long double> expected(bins.size(), 0);
  for (size_t b = 0; b < bins.size(); ++b) {
    const int64_t lo = std::max(bins[b].first, -support), hi = std::min(bins[b].second, support + 1);
    for (int64_t x = lo; x < hi; ++x) expected[b] += weight(x) / total * n;
  }
  std::vector<uint64_t> observed(bins.size(), 0);
  for (int64_t s : samples) {
    size_t b = 0;
    if (s < -edge) {
      b = 0;
    } else if (s >= edge) {
      b = bins.size() - 1;
    } else {
      b = 1 + static_cast<size_t>((s + edge) / width);
    }
    ++observed[b];
  }
  Fit fit;
  fit.bins = bins.size();
  for (size_t b = 0; b < bins.size(); ++b) {
    const long double d = static_cast<long double>(observed[b]) - expected[b];
    fit.statistic += static_cast<double>(d * d / expected[b]);
  }
  fit.critical = ChiSquareCritical(static_cast<double>(bins.size() - 1));
  return fit;
}

std::function<long double(int64_t)> GaussianWeight(long double sigma_squared) {
  return [sigma_squared](int64_t x) {
    return std::exp(-static_cast<long double>(x) * static_cast<long double>(x) / (2 * sigma_squared));
  };
}

std::vector<int64_t> Draw(const DiscreteGaussian& gaussian, size_t n, uint8_t seed) {
  AesCtrPrg prg(Key(seed));
  RandomIntegers random(prg);
  std::vector<int64_t> out(n);
  for (auto& x : out) x = gaussian.Sample(random);
  return out;
}

struct Case {
  uint64_t num, den;          // sigma^2 as sampled
  uint64_t off_num, off_den;  // (1.05 sigma)^2
  int64_t width;              // chi-square bin width
};

class DiscreteGaussianFit : public ::testing::TestWithParam<Case> {};

// Goodness of fit at sigma, and the same test rejecting samples drawn at 1.05 sigma: the test has
// the power to see a 5 % error in the scale.
TEST_P(DiscreteGaussianFit, MatchesExactPmfAndRejectsFivePercentOff) {
  const Case c = GetParam();
  constexpr size_t kSamples = 200'000;
  const long double sigma_squared = static_cast<long double>(c.num) / c.den;
  const auto support = static_cast<int64_t>(40 * std::sqrt(static_cast<double>(sigma_squared)) + 20);

  auto gaussian = DiscreteGaussian::Make(c.num, c.den);
  ASSERT_TRUE(gaussian.ok()) << gaussian.status().ToString();
  const std::vector<int64_t> samples = Draw(*gaussian, kSamples, 1);
  const Fit fit = GoodnessOfFit(samples, GaussianWeight(sigma_squared), support, c.width);
  EXPECT_GT(fit.bins, 2u);
  EXPECT_LT(fit.statistic, fit.critical) << "sigma^2 = " << c.num << "/" << c.den << ", " << fit.bins << " bins";

  long double sum = 0;
  for (int64_t s : samples) sum += s;
  const double mean = static_cast<double>(sum / kSamples);
  EXPECT_LT(std::abs(mean), 5 * std::sqrt(static_cast<double>(sigma_squared) / kSamples));

  auto off = DiscreteGaussian::Make(c.off_num, c.off_den);
  ASSERT_TRUE(off.ok());
  const Fit off_fit = GoodnessOfFit(Draw(*off, kSamples, 2), GaussianWeight(sigma_squared), support, c.width);
  EXPECT_GT(off_fit.statistic, off_fit.critical) << "a sampler 5 % off in sigma passed the test";
}

INSTANTIATE_TEST_SUITE_P(
    Sigmas, DiscreteGaussianFit,
    ::testing::Values(Case{1, 4, 441, 1600, 1},            // sigma 0.5 (0.525^2 = 441/1600)
                      Case{9, 1, 99225, 10000, 1},         // sigma 3 (3.15^2)
                      Case{2500, 1, 11025, 4, 1},          // sigma 50 (52.5^2)
                      // sigma 2048 with a large denominator: the squared distance of the tail
                      // candidates outgrows 128 bits, so this exercises the 256-bit path.
                      Case{uint64_t{1} << 62, uint64_t{1} << 40, uint64_t{1} << 62,
                           (uint64_t{1} << 40) / 441 * 400, 128}),
    [](const ::testing::TestParamInfo<Case>& info) { return "case" + std::to_string(info.index); });

TEST(DiscreteLaplace, MatchesExactPmf) {
  for (uint64_t t : {1, 7}) {
    AesCtrPrg prg(Key(3));
    RandomIntegers random(prg);
    std::vector<int64_t> samples(200'000);
    for (auto& x : samples) x = SampleDiscreteLaplace(random, t);
    const auto weight = [t](int64_t x) { return std::exp(-std::abs(static_cast<long double>(x)) / t); };
    const Fit fit = GoodnessOfFit(samples, weight, static_cast<int64_t>(60 * t), 1);
    EXPECT_LT(fit.statistic, fit.critical) << "t = " << t;
  }
}

TEST(BernoulliExp, FrequencyIsExpMinusGamma) {
  AesCtrPrg prg(Key(4));
  RandomIntegers random(prg);
  constexpr int kTrials = 400'000;
  // gamma = 0, 3/10, 1, 27/10 and a 128-bit denominator (gamma = 1/2).
  const std::vector<std::pair<uint128, uint128>> gammas = {
      {0, 1}, {3, 10}, {1, 1}, {27, 10}, {static_cast<uint128>(1) << 100, static_cast<uint128>(1) << 101}};
  for (const auto& [num, den] : gammas) {
    int hits = 0;
    for (int i = 0; i < kTrials; ++i) hits += SampleBernoulliExp(random, num, den) ? 1 : 0;
    const double p = std::exp(-static_cast<double>(num) / static_cast<double>(den));
    const double sd = std::sqrt(p * (1 - p) / kTrials);
    EXPECT_NEAR(static_cast<double>(hits) / kTrials, p, 5 * sd + 1e-12)
        << "gamma = " << static_cast<double>(num) / static_cast<double>(den);
  }
}

// Each of h parties adds N_Z(0, sigma^2 / h); the sum's variance is sigma^2 (up to the
// discrete Gaussian's variance deficit, below 1e-40 relative at these scales).
TEST(DiscreteGaussianSum, VarianceOfHPartiesNoiseIsSigmaSquared) {
  constexpr size_t kDraws = 100'000;
  for (const auto& [total, h] : std::vector<std::pair<uint64_t, uint64_t>>{{300, 3}, {40, 4}, {1000, 5}}) {
    auto per_party = DiscreteGaussian::Make(total, h);
    ASSERT_TRUE(per_party.ok());
    AesCtrPrg prg(Key(5));
    RandomIntegers random(prg);
    long double sum = 0, sum_squares = 0;
    for (size_t i = 0; i < kDraws; ++i) {
      int64_t noise = 0;
      for (uint64_t p = 0; p < h; ++p) noise += per_party->Sample(random);
      sum += noise;
      sum_squares += static_cast<long double>(noise) * noise;
    }
    const long double mean = sum / kDraws;
    const double variance = static_cast<double>(sum_squares / kDraws - mean * mean);
    // The sample variance of a near-Gaussian has standard deviation sigma^2 sqrt(2 / n).
    const double bound = 5 * static_cast<double>(total) * std::sqrt(2.0 / kDraws);
    EXPECT_NEAR(variance, static_cast<double>(total), bound) << "h = " << h;
  }
}

TEST(DiscreteGaussian, RefusesParametersOutsideItsRange) {
  EXPECT_FALSE(DiscreteGaussian::Make(0, 1).ok());
  EXPECT_FALSE(DiscreteGaussian::Make(1, 0).ok());
  EXPECT_FALSE(DiscreteGaussian::Make(kMaxSigmaSquaredTerm + 1, 1).ok());
  EXPECT_TRUE(DiscreteGaussian::Make(kMaxSigmaSquaredTerm, 1).ok());
}

TEST(RandomIntegers, BelowIsUniform) {
  AesCtrPrg prg(Key(6));
  RandomIntegers random(prg);
  // n = 3 * 2^62 makes a biased `word % n` land in [0, 2^62) twice as often as elsewhere.
  const uint64_t n = 3 * (uint64_t{1} << 62);
  constexpr int kDraws = 300'000;
  int low = 0;
  for (int i = 0; i < kDraws; ++i) low += random.Below(n) < (uint64_t{1} << 62) ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(low) / kDraws, 1.0 / 3, 5 * std::sqrt(2.0 / 9 / kDraws));
  const uint128 big = (static_cast<uint128>(3) << 100);
  int below_third = 0;
  for (int i = 0; i < kDraws; ++i) below_third += random.Below128(big) < (static_cast<uint128>(1) << 100) ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(below_third) / kDraws, 1.0 / 3, 5 * std::sqrt(2.0 / 9 / kDraws));
}

}  // namespace
}  // namespace mpcstats::core
