// Spend in fixed point: the exact decimal text of a CSV spend field <-> units of 1/kSpendScale.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/core/visit_table.h"

namespace mpcstats::core {

static_assert(kSpendDecimals >= 2 && kSpendDecimals <= 18);
static_assert([] {
  int64_t scale = 1;
  for (int i = 0; i < kSpendDecimals; ++i) scale *= 10;
  return scale == kSpendScale;
}());

// Appends `units` (1/kSpendScale each) as a decimal with 2 to kSpendDecimals decimals: trailing
// zeros past the cents are dropped, so 125000 is "12.50" and 1 is "0.0001". Exact, no floating point.
void AppendSpend(int64_t units, std::string* out);

enum class SpendError { kNone, kEmpty, kSign, kSyntax, kDecimals, kTooLarge };

namespace spend_detail {
inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }
}  // namespace spend_detail

// Parses "digits[.d{1,kSpendDecimals}]" exactly into units of 1/kSpendScale, in one pass with int64
// overflow checks. Syntax wins over size: "99999999999999999999x" is a syntax error. Inline: the
// parser calls it once per row.
inline SpendError ParseSpend(std::string_view s, int64_t* units) {
  if (s.empty()) return SpendError::kEmpty;
  if (s[0] == '-' || s[0] == '+') return SpendError::kSign;
  const char* p = s.data();
  const char* const end = p + s.size();
  int64_t value = 0;
  bool overflow = false;
  const char* const whole = p;
  for (; p < end && spend_detail::IsDigit(*p); ++p) {
    overflow |= __builtin_mul_overflow(value, 10, &value);
    overflow |= __builtin_add_overflow(value, *p - '0', &value);
  }
  if (p == whole) return SpendError::kSyntax;
  int64_t fraction = 0;
  int decimals = 0;
  if (p < end) {
    if (*p++ != '.') return SpendError::kSyntax;
    const char* const first = p;
    for (; p < end && spend_detail::IsDigit(*p); ++p, ++decimals) {
      if (decimals < kSpendDecimals) fraction = fraction * 10 + (*p - '0');
    }
    if (p != end || p == first) return SpendError::kSyntax;
    if (decimals > kSpendDecimals) return SpendError::kDecimals;
  }
  for (; decimals < kSpendDecimals; ++decimals) fraction *= 10;
  overflow |= __builtin_mul_overflow(value, kSpendScale, &value);
  overflow |= __builtin_add_overflow(value, fraction, &value);
  if (overflow) return SpendError::kTooLarge;
  *units = value;
  return SpendError::kNone;
}

}  // namespace mpcstats::core
