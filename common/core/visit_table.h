// Store visits held by one party, as columns (struct of arrays) so aggregation is a tight loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mpcstats::core {

struct VisitTable {
  std::vector<uint32_t> user;        // party-local dense user index 0..num_users-1
  std::vector<uint16_t> category;    // index into Roster::categories
  std::vector<int64_t> timestamp;    // seconds since the Unix epoch, UTC
  std::vector<uint16_t> district;    // index into Roster::districts
  std::vector<uint8_t> is_weekend;   // 1 if the timestamp falls on Saturday or Sunday
  uint64_t num_users = 0;            // distinct users that appear in the table

  size_t size() const { return user.size(); }
  void Reserve(size_t rows);
};

}  // namespace mpcstats::core
