#include "common/core/spend_decimal.h"

#include <fmt/format.h>

namespace mpcstats::core {

void AppendSpend(int64_t units, std::string* out) {
  uint64_t magnitude = static_cast<uint64_t>(units);
  if (units < 0) {
    out->push_back('-');  // never in a valid table; written so a bad value is visible, not wrapped
    magnitude = 0 - magnitude;
  }
  const fmt::format_int whole(magnitude / kSpendScale);  // no format string to parse per value
  out->append(whole.data(), whole.size());
  uint64_t fraction = magnitude % kSpendScale;
  char digits[kSpendDecimals];
  for (int i = kSpendDecimals - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  int n = kSpendDecimals;
  while (n > 2 && digits[n - 1] == '0') --n;
  out->push_back('.');
  out->append(digits, static_cast<size_t>(n));
}

}  // namespace mpcstats::core
