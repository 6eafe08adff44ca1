#include "common/core/discrete_gaussian.h"

#include <fmt/format.h>

namespace mpcstats::core {
namespace {

constexpr uint128 kTop127 = static_cast<uint128>(1) << 127;

// Bernoulli(exp(-num/den)) for 0 <= num <= den: K <- 1; while Bernoulli(gamma/K), K <- K+1;
// the parity of K is the answer (the series exp(-g) = sum (-g)^k / k! in disguise).
// Bernoulli(gamma/K) is drawn as Bernoulli(1/K) and Bernoulli(num/den), independent.
bool BernoulliExpFraction(RandomIntegers& random, uint128 num, uint128 den) {
  uint64_t k = 1;
  for (;;) {
    if (k > 1 && !random.Bernoulli(1, k)) break;
    if (!random.Bernoulli128(num, den)) break;
    ++k;
  }
  return (k & 1) == 1;
}

bool BernoulliExpOne(RandomIntegers& random) {
  uint64_t k = 2;  // the first coin, Bernoulli(1/1), always succeeds
  while (random.Bernoulli(1, k)) ++k;
  return (k & 1) == 1;
}

uint64_t FloorSqrt(uint64_t value) {
  uint64_t low = 0, high = uint64_t{1} << 32;  // answer in [low, high)
  while (high - low > 1) {
    const uint64_t mid = low + (high - low) / 2;
    if (mid * mid <= value) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return low;
}

struct U256 {
  uint128 high = 0;
  uint128 low = 0;
  bool IsZero() const { return high == 0 && low == 0; }
  void Decrement() {
    if (low == 0) --high;
    --low;
  }
};

U256 Square(uint128 a) {
  const auto a0 = static_cast<uint64_t>(a), a1 = static_cast<uint64_t>(a >> 64);
  const uint128 low = static_cast<uint128>(a0) * a0;
  const uint128 cross = static_cast<uint128>(a0) * a1;  // counted twice
  const uint128 high = static_cast<uint128>(a1) * a1;
  U256 out{high, low};
  // Add 2 * cross * 2^64: its low 64 bits go to low's top half, the rest to high.
  for (int i = 0; i < 2; ++i) {
    const uint128 shifted_low = cross << 64;
    const uint128 old_low = out.low;
    out.low += shifted_low;
    out.high += (cross >> 64) + (out.low < old_low ? 1 : 0);
  }
  return out;
}

// Quotient and remainder of value / divisor for divisor < 2^127, by binary long division
// (the remainder stays below 2 * divisor < 2^128 at every step).
void DivMod(const U256& value, uint128 divisor, U256* quotient, uint128* remainder) {
  *quotient = {};
  uint128 rem = 0;
  for (int bit = 255; bit >= 0; --bit) {
    const uint128 word = bit >= 128 ? value.high : value.low;
    rem = (rem << 1) | ((word >> (bit % 128)) & 1);
    if (rem >= divisor) {
      rem -= divisor;
      if (bit >= 128) {
        quotient->high |= static_cast<uint128>(1) << (bit - 128);
      } else {
        quotient->low |= static_cast<uint128>(1) << bit;
      }
    }
  }
  *remainder = rem;
}

}  // namespace

bool SampleBernoulliExp(RandomIntegers& random, uint128 num, uint128 den) {
  // exp(-(q + r/den)) = exp(-1)^q * exp(-r/den), each factor an independent coin.
  uint128 q, r;
  if ((num >> 64) == 0 && (den >> 64) == 0) {
    q = static_cast<uint64_t>(num) / static_cast<uint64_t>(den);
    r = static_cast<uint64_t>(num) % static_cast<uint64_t>(den);
  } else {
    q = num / den;
    r = num % den;
  }
  for (uint128 i = 0; i < q; ++i) {
    if (!BernoulliExpOne(random)) return false;
  }
  return BernoulliExpFraction(random, r, den);
}

int64_t SampleDiscreteLaplace(RandomIntegers& random, uint64_t t) {
  for (;;) {
    const uint64_t u = random.Below(t);
    if (!BernoulliExpFraction(random, u, t)) continue;
    uint64_t v = 0;
    while (BernoulliExpOne(random)) ++v;
    uint64_t x;
    if (__builtin_mul_overflow(t, v, &x) || __builtin_add_overflow(x, u, &x) || x > (uint64_t{1} << 62)) {
      continue;  // probability below exp(-2^31): see the header
    }
    const bool negative = random.NextBit();
    if (negative && x == 0) continue;  // 0 would otherwise be counted twice
    return negative ? -static_cast<int64_t>(x) : static_cast<int64_t>(x);
  }
}

StatusOr<DiscreteGaussian> DiscreteGaussian::Make(uint64_t num, uint64_t den) {
  if (num < 1 || den < 1 || num > kMaxSigmaSquaredTerm || den > kMaxSigmaSquaredTerm) {
    return Status(Code::kInternal,
                  fmt::format("discrete Gaussian: sigma^2 = {}/{} outside the sampler's range", num, den));
  }
  const uint64_t t = FloorSqrt(num / den) + 1;
  uint128 gamma_den;
  if (__builtin_mul_overflow(static_cast<uint128>(2) * num, static_cast<uint128>(den), &gamma_den) ||
      __builtin_mul_overflow(gamma_den, static_cast<uint128>(t) * t, &gamma_den) || gamma_den >= kTop127) {
    return Status(Code::kInternal,
                  fmt::format("discrete Gaussian: sigma^2 = {}/{} too large for exact arithmetic", num, den));
  }
  return DiscreteGaussian(num, den, t, gamma_den);
}

int64_t DiscreteGaussian::Sample(RandomIntegers& random) const {
  // Algorithm 3: Y ~ Laplace(t), accepted with probability exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2)),
  // whose exponent is (|Y| t den - num)^2 / (2 num den t^2).
  const uint128 den_t = static_cast<uint128>(den_) * t_;
  for (;;) {
    const int64_t y = SampleDiscreteLaplace(random, t_);
    const uint64_t x = y < 0 ? static_cast<uint64_t>(-y) : static_cast<uint64_t>(y);
    uint128 scaled;
    if (__builtin_mul_overflow(static_cast<uint128>(x), den_t, &scaled)) continue;  // see the header
    const uint128 distance = scaled >= num_ ? scaled - num_ : num_ - scaled;
    if ((distance >> 64) == 0) {
      if (SampleBernoulliExp(random, distance * distance, gamma_den_)) return y;
      continue;
    }
    // The squared distance needs 256 bits: exact quotient and remainder, then the same coins.
    U256 quotient;
    uint128 remainder;
    DivMod(Square(distance), gamma_den_, &quotient, &remainder);
    bool accepted = true;
    for (; !quotient.IsZero(); quotient.Decrement()) {
      if (!BernoulliExpOne(random)) {
        accepted = false;
        break;
      }
    }
    if (accepted && BernoulliExpFraction(random, remainder, gamma_den_)) return y;
  }
}

}  // namespace mpcstats::core
