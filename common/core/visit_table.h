// Store visits held by one party, as columns (struct of arrays) so aggregation is a tight loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mpcstats::core {

// Fixed-point scale of the spend column: 4 decimal places, so 12.50 is stored as 125000.
inline constexpr int64_t kSpendScale = 10000;
inline constexpr int kSpendDecimals = 4;

struct VisitTable {
  std::vector<uint32_t> user;        // party-local dense user index 0..num_users-1
  std::vector<uint16_t> category;    // index into Roster::categories
  std::vector<int64_t> timestamp;    // seconds since the Unix epoch, UTC
  std::vector<uint16_t> district;    // index into Roster::districts
  std::vector<uint8_t> is_weekend;   // 1 if the timestamp falls on Saturday or Sunday
  // Optional `spend` column, in fixed point: units of 1/kSpendScale (0.0001). Empty when
  // has_spend is false; otherwise one value per row, never negative.
  std::vector<int64_t> spend;
  bool has_spend = false;
  uint64_t num_users = 0;            // distinct users that appear in the table

  size_t size() const { return user.size(); }
  void Reserve(size_t rows);
};

}  // namespace mpcstats::core
