#include "common/core/random_integers.h"

namespace mpcstats::core {

void RandomIntegers::Refill() {
  source_.Fill(buffer_);
  next_ = 0;
}

uint128 RandomIntegers::Below128(uint128 n) {
  const uint64_t high_limit = static_cast<uint64_t>(n >> 64);
  if (high_limit == 0) return Below(static_cast<uint64_t>(n));
  const auto top = static_cast<uint64_t>((n - 1) >> 64);
  if (top == 0) return NextWord();  // n == 2^64
  // Mask of the bits of n - 1 above the low word; values drawn under it are < 2n.
  const int high_bits = 64 - __builtin_clzll(top);
  const uint64_t mask = high_bits == 64 ? ~uint64_t{0} : (uint64_t{1} << high_bits) - 1;
  for (;;) {
    const uint128 candidate = (static_cast<uint128>(NextWord() & mask) << 64) | NextWord();
    if (candidate < n) return candidate;
  }
}

}  // namespace mpcstats::core
