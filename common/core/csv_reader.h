// Reads a party's visit CSV: header `user_id,store_category,timestamp,district,is_weekend`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/core/status.h"
#include "common/core/visit_table.h"

namespace mpcstats::core {

// Parses CSV text. `source_name` is used in messages: "FILE:LINE: unknown category 'toys'".
// Errors (Code::kBadInput) for: a missing or wrong header, a wrong column count, an empty user id,
// a category or district not in the given lists, a malformed timestamp, is_weekend not 0 or 1,
// or is_weekend that contradicts the timestamp's day. Blank trailing lines and CRLF are accepted.
// User ids are arbitrary strings, interned to dense indices.
StatusOr<VisitTable> ParseVisitsCsv(std::string_view text, std::string_view source_name,
                                    const std::vector<std::string>& categories,
                                    const std::vector<std::string>& districts);
// Reads the file (error names the file if missing or unreadable) and parses it.
StatusOr<VisitTable> ReadVisitsCsv(const std::string& path, const std::vector<std::string>& categories,
                                   const std::vector<std::string>& districts);
// Writes a table in the same format (used by tests and the data generator).
std::string FormatVisitsCsv(const VisitTable& table, const std::vector<std::string>& categories,
                            const std::vector<std::string>& districts);

}  // namespace mpcstats::core
