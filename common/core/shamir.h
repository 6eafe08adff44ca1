// Shamir t-of-n secret sharing over the prime field GF(p), p = 2^127 - 1 (a Mersenne prime:
// reduction is a mask, a shift and an add on unsigned __int128). Used by secure aggregation
// (common/core/secagg_party.h) to share a party's 32-byte secrets: its X25519 mask private key and
// its self-mask seed.
//
// A 32-byte secret is cut into kShamirElements = 3 field elements, little-endian byte groups of
// 11, 11 and 10 bytes (88, 88 and 80 bits, all far below p), and each element is shared with its
// own random polynomial of degree t-1. The evaluation point of the party with roster index k is
// x = k + 1 (1..n; 0 is the secret). Reconstruction refuses a group that does not fit its byte
// width, so inconsistent shares are usually caught (not always: this is not a MAC).
// Field arithmetic has no secret-dependent branches (conditional subtraction by mask); the
// exponent of the inversion is the public p - 2.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/core/secure_random.h"
#include "common/core/status.h"

namespace mpcstats::core {

using FieldElement = unsigned __int128;
inline constexpr FieldElement kFieldPrime = (FieldElement{1} << 127) - 1;

// Arithmetic mod p on canonical elements (< p).
FieldElement FieldAdd(FieldElement a, FieldElement b);
FieldElement FieldSub(FieldElement a, FieldElement b);
FieldElement FieldMul(FieldElement a, FieldElement b);
// a * x for a small factor (an evaluation point): two 64 x 32-bit products instead of four.
FieldElement FieldMulSmall(FieldElement a, uint32_t x);
FieldElement FieldInverse(FieldElement a);  // a != 0
// A uniform element of [0, p), by rejection from 127 random bits.
FieldElement RandomFieldElement(RandomSource& rng);

inline constexpr size_t kShamirSecretBytes = 32;
inline constexpr size_t kShamirElements = 3;
inline constexpr std::array<size_t, kShamirElements> kShamirGroupBytes = {11, 11, 10};
// One share of one secret on the wire: 3 elements of 16 bytes, little-endian.
inline constexpr size_t kShamirShareBytes = kShamirElements * 16;

using ShamirSecret = std::array<uint8_t, kShamirSecretBytes>;

struct ShamirShare {
  uint32_t x = 0;  // evaluation point, 1..n
  std::array<FieldElement, kShamirElements> y{};
};

// The n shares (x = 1..n) of `secret`, any t of which reconstruct it. kUsage unless 1 <= t <= n
// and n < 2^31.
StatusOr<std::vector<ShamirShare>> ShamirSplit(const ShamirSecret& secret, size_t t, size_t n, RandomSource& rng);

// Lagrange interpolation at 0 from the first t of `shares`. kInvalidShare for fewer than t shares,
// a repeated or zero x, an element >= p, or a result that does not fit the byte groups.
StatusOr<ShamirSecret> ShamirReconstruct(std::span<const ShamirShare> shares, size_t t);

// ShamirReconstruct for many secrets shared at the same points (the coordinator's Unmasking
// rebuilds every party's secret from the same survivors' shares): the Lagrange basis, t field
// inversions' worth of work, is computed for the x of the first t shares and kept while those
// stay the same, so each further secret costs 3t multiplications.
class ShamirReconstructor {
 public:
  explicit ShamirReconstructor(size_t t) : t_(t) {}
  StatusOr<ShamirSecret> Reconstruct(std::span<const ShamirShare> shares);

 private:
  Status UseBasisFor(std::span<const ShamirShare> used);

  size_t t_;
  std::vector<uint32_t> xs_;  // the points basis_ belongs to (empty: none yet)
  std::vector<FieldElement> basis_;
};

// Wire form of a share's y values (the x is implied by who holds it).
std::array<uint8_t, kShamirShareBytes> EncodeShamirShare(const ShamirShare& share);
// kInvalidShare for the wrong length or an element >= p.
StatusOr<ShamirShare> DecodeShamirShare(uint32_t x, std::span<const uint8_t> bytes);

}  // namespace mpcstats::core
