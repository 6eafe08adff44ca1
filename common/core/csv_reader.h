// Reads a party's visit CSV files: header `user_id,store_category,timestamp,district,is_weekend`,
// optionally followed by `,spend`. Files are streamed in fixed-size blocks, never held whole.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/status.h"
#include "common/core/visit_table.h"

namespace mpcstats::core {

// Read size of the streaming reader: large enough that a read costs far less than parsing it.
inline constexpr size_t kCsvBlockSize = size_t{1} << 20;
// Longest accepted line, in bytes: bounds the memory a file without line breaks can take.
inline constexpr size_t kCsvMaxLineBytes = size_t{1} << 20;

// Parses CSV text. `source_name` is used in messages: "FILE:LINE: unknown category 'toys'".
// Errors (Code::kBadInput) for: a missing or wrong header, a wrong column count, an empty user id,
// a category or district not in the given lists, a malformed timestamp, is_weekend not 0 or 1,
// is_weekend that contradicts the timestamp's day, a bad spend (empty, signed, not a decimal,
// more than kSpendDecimals decimals, too large), or a line longer than kCsvMaxLineBytes.
// Blank trailing lines, CRLF and a UTF-8 byte order mark are accepted. User ids are arbitrary
// strings, interned to dense indices. Spend ("12.50", "3", "0.0001") is read exactly into units of
// 1/kSpendScale; table.has_spend tells whether the header had the column.
StatusOr<VisitTable> ParseVisitsCsv(std::string_view text, std::string_view source_name,
                                    const std::vector<std::string>& categories,
                                    const std::vector<std::string>& districts);

// Reads several files of one party into one table: one user id space (the same id in two files is
// the same user), errors name the file and its own line numbers, and all files must agree on
// whether they have the spend column. Memory: the table, the user ids and one block, not the text.
// `block_size` (bytes per read) is a parameter only so tests can split lines across reads.
StatusOr<VisitTable> ReadVisitsCsvFiles(const std::vector<std::string>& paths,
                                        const std::vector<std::string>& categories,
                                        const std::vector<std::string>& districts,
                                        size_t block_size = kCsvBlockSize);

// The same reader fed piece by piece, for a database's COPY ... (FORMAT csv, HEADER) output: the
// same header and row checks, but messages name the row by position and user id
// ("SOURCE: row 17 (user_id 'u5'): unknown category 'toys'"), and a field equal to `null_marker`
// (COPY's NULL string, unquoted) is reported as "NULL <column>".
class VisitsCsvStream {
 public:
  VisitsCsvStream(const std::vector<std::string>& categories, const std::vector<std::string>& districts,
                  std::string_view source_name, std::string_view null_marker);
  ~VisitsCsvStream();
  VisitsCsvStream(const VisitsCsvStream&) = delete;
  VisitsCsvStream& operator=(const VisitsCsvStream&) = delete;

  void Reserve(size_t rows);  // sizes the columns once when the row count is known
  // False on the first bad row (then error() says why); pieces may cut lines anywhere.
  bool Feed(std::string_view piece);
  bool End();  // the stream ended: the last line, and a header must have been seen
  const Status& error() const;
  size_t rows() const;
  VisitTable Finish() &&;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpcstats::core
