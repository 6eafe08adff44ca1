// Uniform integers and fair bits from a RandomSource, without modulo bias. The DP samplers draw
// many small integers; asking the source for one word at a time would cost an AES call per
// word, so words are taken from a buffer the source refills 512 at a time (the fast path).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "common/core/secure_random.h"

namespace mpcstats::core {

using uint128 = unsigned __int128;

class RandomIntegers {
 public:
  explicit RandomIntegers(RandomSource& source) : source_(source) {}
  RandomIntegers(const RandomIntegers&) = delete;
  RandomIntegers& operator=(const RandomIntegers&) = delete;

  uint64_t NextWord() {
    if (next_ == buffer_.size()) Refill();
    return buffer_[next_++];
  }
  bool NextBit() {
    if (bits_left_ == 0) {
      bits_ = NextWord();
      bits_left_ = 64;
    }
    const bool bit = (bits_ & 1) != 0;
    bits_ >>= 1;
    --bits_left_;
    return bit;
  }
  // Uniform in [0, n), n >= 1: Lemire's multiply-and-reject (the rejection removes the bias a
  // plain `word % n` would have; it costs a division only when the low half lands below n).
  uint64_t Below(uint64_t n) {
    uint128 m = static_cast<uint128>(NextWord()) * n;
    auto low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
      while (low < threshold) {
        m = static_cast<uint128>(NextWord()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }
  // Uniform in [0, n), n >= 1, for 128-bit n: draw as many bits as n has and reject values >= n
  // (fewer than 2 draws on average).
  uint128 Below128(uint128 n);
  // Bernoulli(num/den), 0 <= num <= den, den >= 1.
  bool Bernoulli(uint64_t num, uint64_t den) { return Below(den) < num; }
  bool Bernoulli128(uint128 num, uint128 den) {
    if ((den >> 64) == 0) return Below(static_cast<uint64_t>(den)) < num;
    return Below128(den) < num;
  }

 private:
  void Refill();

  RandomSource& source_;
  std::array<uint64_t, 512> buffer_{};
  size_t next_ = buffer_.size();
  uint64_t bits_ = 0;
  int bits_left_ = 0;
};

}  // namespace mpcstats::core
