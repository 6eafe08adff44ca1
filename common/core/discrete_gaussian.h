// The exact discrete Gaussian sampler of Canonne, Kamath and Steinke, "The Discrete Gaussian for
// Differential Privacy" (NeurIPS 2020, arXiv:2004.00010), Algorithms 1-3, the one OpenDP and
// libprio implement: Bernoulli(exp(-gamma)) by the alternating-series trick, a discrete Laplace
// built from it, then rejection from the Laplace to the Gaussian. Integer and rational
// arithmetic only: no floating point touches a sample, so its distribution is the exact
//   Pr[X = x] = exp(-x^2 / (2 sigma^2)) / sum_y exp(-y^2 / (2 sigma^2)),  x in Z.
// The variance sigma^2 is a rational num/den. Intermediate values use unsigned __int128 and, in
// the rare case a squared distance outgrows it, an exact 256-bit product and division.
//
// Two events are handled by restarting the candidate rather than by exact arithmetic; each has
// probability below exp(-2^31) per candidate, so they change no probability a double can show:
// a Laplace magnitude above 2^62, and a candidate whose |x| * den * t exceeds 2^128 (its
// acceptance probability is below exp(-2^120)).
#pragma once

#include <cstdint>

#include "common/core/random_integers.h"
#include "common/core/status.h"

namespace mpcstats::core {

// Largest numerator and denominator of sigma^2 the sampler accepts (sigma <= 2^31).
inline constexpr uint64_t kMaxSigmaSquaredTerm = uint64_t{1} << 62;

// Bernoulli(exp(-num/den)) for any num/den >= 0 with den >= 1 (Algorithm 1 and its extension).
bool SampleBernoulliExp(RandomIntegers& random, uint128 num, uint128 den);
// Discrete Laplace with scale t >= 1: Pr[X = x] proportional to exp(-|x|/t) (Algorithm 2).
int64_t SampleDiscreteLaplace(RandomIntegers& random, uint64_t t);

class DiscreteGaussian {
 public:
  // sigma^2 = num/den; kInternal unless 1 <= num, den <= kMaxSigmaSquaredTerm.
  static StatusOr<DiscreteGaussian> Make(uint64_t sigma_squared_num, uint64_t sigma_squared_den);

  int64_t Sample(RandomIntegers& random) const;

  uint64_t sigma_squared_num() const { return num_; }
  uint64_t sigma_squared_den() const { return den_; }
  double sigma_squared() const { return static_cast<double>(num_) / static_cast<double>(den_); }

 private:
  DiscreteGaussian(uint64_t num, uint64_t den, uint64_t t, uint128 gamma_den)
      : num_(num), den_(den), t_(t), gamma_den_(gamma_den) {}

  uint64_t num_;
  uint64_t den_;
  uint64_t t_;          // Laplace scale floor(sigma) + 1
  uint128 gamma_den_;   // 2 * num * den * t^2, the denominator of every rejection exponent
};

}  // namespace mpcstats::core
