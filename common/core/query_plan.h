// How a query becomes a vector of ring elements: its cells (every combination of the grouping
// keys' public domains) and, per cell, the local aggregates the metrics are computed from.
// Parties and the coordinator derive the same plan from the query and the roster, so the
// vector's meaning never travels on the wire, only its length (which Start checks).
//
// Payload layout: cell 0's fields, cell 1's fields, ..., then one global field (users).
// Per cell, in this order (absent fields take no room):
//   visits, active_users                          always (suppression needs active_users)
//   sum over active users of count^2              var/stddev
//   weekend visits                                weekend_share
//   spend sum (units of 1/kSpendScale)            spend_sum, spend_mean
//   histogram bucket counts                       histogram
// Cells are numbered row-major in group_by order: the first key varies slowest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/core/query.h"
#include "common/core/status.h"

namespace mpcstats::core {

// At most this many values in a query's payload (8 GiB of shares would be no query, but an error).
inline constexpr uint64_t kMaxQueryPayload = uint64_t{1} << 27;

class QueryPlan {
 public:
  // kBadInput if the query implies more than kMaxQueryPayload values.
  static StatusOr<QueryPlan> Make(const Query& query, const std::vector<std::string>& categories,
                                  const std::vector<std::string>& districts);

  const Query& query() const { return query_; }
  size_t num_cells() const { return num_cells_; }
  size_t fields_per_cell() const { return fields_per_cell_; }
  size_t payload_length() const { return num_cells_ * fields_per_cell_ + 1; }
  size_t users_index() const { return num_cells_ * fields_per_cell_; }

  // Field offsets within a cell's block; kAbsent when the query does not need the field.
  static constexpr size_t kAbsent = static_cast<size_t>(-1);
  static constexpr size_t kVisitsField = 0;
  static constexpr size_t kActiveUsersField = 1;
  size_t sum_squares_field() const { return sum_squares_field_; }
  size_t weekend_field() const { return weekend_field_; }
  size_t spend_field() const { return spend_field_; }
  size_t histogram_field() const { return histogram_field_; }  // first of histogram_buckets()
  size_t histogram_buckets() const { return query_.histogram_edges.size(); }

  // Domain size of the i-th grouping key, and the key values of a cell (one per grouping key:
  // category/district index, 0/1, hour 0..23, weekday 0..6, month 1..12).
  size_t domain_size(size_t key_position) const { return domain_sizes_[key_position]; }
  std::vector<uint32_t> CellKeys(size_t cell) const;
  // The value as a person reads it: the category or district name, else the number.
  std::string KeyLabel(size_t key_position, uint32_t value) const;

  // Bucket of a per-user visit count, or -1 when the count is below the first edge.
  int BucketOf(uint64_t count) const;

 private:
  QueryPlan() = default;

  Query query_;
  std::vector<std::string> categories_;
  std::vector<std::string> districts_;
  std::vector<size_t> domain_sizes_;
  size_t num_cells_ = 1;
  size_t fields_per_cell_ = 2;
  size_t sum_squares_field_ = kAbsent;
  size_t weekend_field_ = kAbsent;
  size_t spend_field_ = kAbsent;
  size_t histogram_field_ = kAbsent;
};

}  // namespace mpcstats::core
