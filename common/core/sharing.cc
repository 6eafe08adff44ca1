#include "common/core/sharing.h"

#include <cassert>

namespace mpcstats::core {

std::vector<ShareVector> SplitIntoShares(std::span<const uint64_t> secret, size_t n, RandomSource& rng) {
  assert(n >= 1);
  std::vector<ShareVector> shares(n, ShareVector(secret.size()));
  ShareVector& last = shares.back();
  last.assign(secret.begin(), secret.end());
  for (size_t i = 0; i + 1 < n; ++i) {
    rng.Fill(shares[i]);
    SubtractFrom(last, shares[i]);
  }
  return shares;
}

void AddInto(std::span<uint64_t> acc, std::span<const uint64_t> v) {
  assert(acc.size() == v.size());
  for (size_t i = 0; i < acc.size(); ++i) acc[i] += v[i];
}

void SubtractFrom(std::span<uint64_t> acc, std::span<const uint64_t> v) {
  assert(acc.size() == v.size());
  for (size_t i = 0; i < acc.size(); ++i) acc[i] -= v[i];
}

ShareVector Reconstruct(std::span<const ShareVector> shares) {
  if (shares.empty()) return {};
  ShareVector sum(shares[0].size(), 0);
  for (const auto& s : shares) AddInto(sum, s);
  return sum;
}

}  // namespace mpcstats::core
