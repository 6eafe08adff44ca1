// Additive secret sharing over Z_2^64: x = s_0 + s_1 + ... + s_{n-1} (mod 2^64), with unsigned
// wrap-around as the ring operation. Any n-1 shares are uniform and independent of x.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/core/secure_random.h"

namespace mpcstats::core {

using ShareVector = std::vector<uint64_t>;

// Splits `secret` into n >= 1 share vectors: shares 0..n-2 drawn from `rng`, the last one
// secret - sum(others). Which share a party keeps is up to the caller.
std::vector<ShareVector> SplitIntoShares(std::span<const uint64_t> secret, size_t n, RandomSource& rng);

// acc[i] += v[i] (mod 2^64). Sizes must match.
void AddInto(std::span<uint64_t> acc, std::span<const uint64_t> v);
// acc[i] -= v[i] (mod 2^64). Sizes must match.
void SubtractFrom(std::span<uint64_t> acc, std::span<const uint64_t> v);

// Sum of all share vectors (the reconstruction).
ShareVector Reconstruct(std::span<const ShareVector> shares);

}  // namespace mpcstats::core
