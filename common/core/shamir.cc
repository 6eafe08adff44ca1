#include "common/core/shamir.h"

#include <string>

namespace mpcstats::core {
namespace {

constexpr FieldElement kLow64 = (FieldElement{1} << 64) - 1;

// x mod p for any x < 2^128: 2^127 = 1 (mod p), so x = hi * 2^127 + lo = hi + lo.
FieldElement Reduce(FieldElement x) {
  FieldElement r = (x & kFieldPrime) + (x >> 127);  // <= p + 1
  // Subtract p when r >= p, without branching on r.
  const FieldElement ge = static_cast<FieldElement>(0) - static_cast<FieldElement>(r >= kFieldPrime);
  return r - (kFieldPrime & ge);
}

}  // namespace

FieldElement FieldAdd(FieldElement a, FieldElement b) { return Reduce(a + b); }  // a + b < 2^128

FieldElement FieldSub(FieldElement a, FieldElement b) { return Reduce(a + (kFieldPrime - b)); }

FieldElement FieldMul(FieldElement a, FieldElement b) {
  // a = a1 2^64 + a0 with a1 < 2^63; the product is hi 2^128 + mid 2^64 + lo, and 2^128 = 2 (mod p).
  const FieldElement a0 = a & kLow64, a1 = a >> 64, b0 = b & kLow64, b1 = b >> 64;
  const FieldElement lo = a0 * b0;            // < 2^128
  const FieldElement mid = a0 * b1 + a1 * b0;  // each < 2^127, so the sum fits
  const FieldElement hi = a1 * b1;            // < 2^126
  // mid 2^64 = (mid >> 64) 2^128 + (mid & low64) 2^64 = 2 (mid >> 64) + (mid & low64) 2^64.
  FieldElement r = Reduce(lo);
  r = FieldAdd(r, Reduce((mid & kLow64) << 64));
  r = FieldAdd(r, Reduce(2 * hi + 2 * (mid >> 64)));  // < 2^127 + 2^65
  return r;
}

FieldElement FieldMulSmall(FieldElement a, uint32_t x) {
  // a = a1 2^64 + a0: a x = p1 2^64 + p0 with p0 = a0 x < 2^96 and p1 = a1 x < 2^95, and
  // p1 2^64 = (p1 >> 64) 2^128 + (p1 & low64) 2^64 = 2 (p1 >> 64) + (p1 & low64) 2^64 (mod p).
  const FieldElement p0 = (a & kLow64) * x, p1 = (a >> 64) * x;
  return FieldAdd(Reduce((p1 & kLow64) << 64), Reduce(p0 + 2 * (p1 >> 64)));  // < 2^97 before Reduce
}

FieldElement FieldInverse(FieldElement a) {
  // Fermat: a^(p-2). The exponent is public, so the square-and-multiply schedule leaks nothing.
  const FieldElement e = kFieldPrime - 2;
  FieldElement result = 1, base = a;
  for (int bit = 0; bit < 127; ++bit) {
    if ((e >> bit) & 1) result = FieldMul(result, base);
    base = FieldMul(base, base);
  }
  return result;
}

FieldElement RandomFieldElement(RandomSource& rng) {
  for (;;) {
    uint64_t words[2];
    rng.Fill(words);
    const FieldElement v = ((FieldElement{words[1]} << 64) | words[0]) & kFieldPrime;
    if (v != kFieldPrime) return v;  // reject the one 127-bit value that is not below p
  }
}

StatusOr<std::vector<ShamirShare>> ShamirSplit(const ShamirSecret& secret, size_t t, size_t n, RandomSource& rng) {
  if (t < 1 || t > n || n >= (size_t{1} << 31)) {
    return Status(Code::kUsage, "Shamir sharing needs 1 <= t <= n, got t=" + std::to_string(t) + " n=" + std::to_string(n));
  }
  std::vector<ShamirShare> shares(n);
  for (size_t i = 0; i < n; ++i) shares[i].x = static_cast<uint32_t>(i + 1);
  std::vector<FieldElement> coefficients(t);
  size_t offset = 0;
  for (size_t e = 0; e < kShamirElements; ++e) {
    FieldElement value = 0;
    for (size_t b = 0; b < kShamirGroupBytes[e]; ++b) value |= FieldElement{secret[offset + b]} << (8 * b);
    offset += kShamirGroupBytes[e];
    coefficients[0] = value;
    for (size_t k = 1; k < t; ++k) coefficients[k] = RandomFieldElement(rng);
    for (auto& share : shares) {
      FieldElement acc = 0;  // Horner
      for (size_t k = t; k-- > 0;) acc = FieldAdd(FieldMulSmall(acc, share.x), coefficients[k]);
      share.y[e] = acc;
    }
  }
  for (auto& c : coefficients) c = 0;
  return shares;
}

StatusOr<ShamirSecret> ShamirReconstruct(std::span<const ShamirShare> shares, size_t t) {
  return ShamirReconstructor(t).Reconstruct(shares);
}

Status ShamirReconstructor::UseBasisFor(std::span<const ShamirShare> used) {
  const size_t t = used.size();
  bool same = xs_.size() == t;
  for (size_t i = 0; same && i < t; ++i) same = xs_[i] == used[i].x;
  if (same) return Status::Ok();  // checked (non-zero, distinct) when the basis was made
  xs_.clear();
  basis_.clear();
  for (size_t i = 0; i < t; ++i) {
    if (used[i].x == 0) return Status(Code::kInvalidShare, "Shamir share at x = 0");
    for (size_t j = 0; j < i; ++j) {
      if (used[i].x == used[j].x) {
        return Status(Code::kInvalidShare, "Shamir share x = " + std::to_string(used[i].x) + " given twice");
      }
    }
  }
  // Lagrange basis at 0: l_i = num_i / den_i, num_i = prod_{j != i} x_j, den_i = prod_{j != i} (x_j - x_i).
  std::vector<FieldElement> num(t, 1), den(t, 1);
  for (size_t i = 0; i < t; ++i) {
    for (size_t j = 0; j < t; ++j) {
      if (j == i) continue;
      num[i] = FieldMulSmall(num[i], used[j].x);
      den[i] = FieldMul(den[i], FieldSub(used[j].x, used[i].x));
    }
  }
  // Every den_i inverted with one inversion (Montgomery's trick): prefix[i] = den_0 ... den_{i-1}.
  std::vector<FieldElement> prefix(t + 1, 1);
  for (size_t i = 0; i < t; ++i) prefix[i + 1] = FieldMul(prefix[i], den[i]);
  FieldElement inverse = FieldInverse(prefix[t]);  // (den_0 ... den_{i})^-1, walking i down
  std::vector<FieldElement> basis(t);
  for (size_t i = t; i-- > 0;) {
    basis[i] = FieldMul(num[i], FieldMul(inverse, prefix[i]));
    inverse = FieldMul(inverse, den[i]);
  }
  basis_ = std::move(basis);
  for (const auto& share : used) xs_.push_back(share.x);
  return Status::Ok();
}

StatusOr<ShamirSecret> ShamirReconstructor::Reconstruct(std::span<const ShamirShare> shares) {
  if (t_ < 1 || shares.size() < t_) {
    return Status(Code::kInvalidShare, "Shamir reconstruction needs " + std::to_string(t_) + " shares, got " +
                                           std::to_string(shares.size()));
  }
  const auto used = shares.first(t_);
  for (const auto& share : used) {
    for (const auto y : share.y) {
      if (y >= kFieldPrime) return Status(Code::kInvalidShare, "Shamir share element out of range");
    }
  }
  if (Status s = UseBasisFor(used); !s.ok()) return s;
  ShamirSecret secret{};
  size_t offset = 0;
  for (size_t e = 0; e < kShamirElements; ++e) {
    FieldElement value = 0;
    for (size_t i = 0; i < t_; ++i) value = FieldAdd(value, FieldMul(basis_[i], used[i].y[e]));
    if ((value >> (8 * kShamirGroupBytes[e])) != 0) {
      return Status(Code::kInvalidShare, "Shamir shares are inconsistent (reconstructed value out of range)");
    }
    for (size_t b = 0; b < kShamirGroupBytes[e]; ++b) secret[offset + b] = static_cast<uint8_t>(value >> (8 * b));
    offset += kShamirGroupBytes[e];
  }
  return secret;
}

std::array<uint8_t, kShamirShareBytes> EncodeShamirShare(const ShamirShare& share) {
  std::array<uint8_t, kShamirShareBytes> out{};
  for (size_t e = 0; e < kShamirElements; ++e) {
    for (size_t b = 0; b < 16; ++b) out[16 * e + b] = static_cast<uint8_t>(share.y[e] >> (8 * b));
  }
  return out;
}

StatusOr<ShamirShare> DecodeShamirShare(uint32_t x, std::span<const uint8_t> bytes) {
  if (bytes.size() != kShamirShareBytes) {
    return Status(Code::kInvalidShare, "Shamir share of " + std::to_string(bytes.size()) + " bytes, expected " +
                                           std::to_string(kShamirShareBytes));
  }
  ShamirShare share;
  share.x = x;
  for (size_t e = 0; e < kShamirElements; ++e) {
    FieldElement v = 0;
    for (size_t b = 0; b < 16; ++b) v |= FieldElement{bytes[16 * e + b]} << (8 * b);
    if (v >= kFieldPrime) return Status(Code::kInvalidShare, "Shamir share element out of range");
    share.y[e] = v;
  }
  return share;
}

}  // namespace mpcstats::core
