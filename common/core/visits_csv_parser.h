// The one visit CSV parser (incremental), behind ParseVisitsCsv and ReadVisitsCsvFiles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/name_index.h"
#include "common/core/status.h"
#include "common/core/user_interner.h"
#include "common/core/visit_table.h"

namespace mpcstats::core {

// The one CSV parser, incremental: text arrives in pieces of any size (a whole in-memory file, or
// read blocks), complete lines are parsed in place, and a line cut by the end of a piece is kept
// until its end arrives. Several sources (files) feed one table and one user interner; line
// numbers and the header are per source. After an error the parser must not be fed again.
class VisitsCsvParser {
 public:
  VisitsCsvParser(const std::vector<std::string>& categories, const std::vector<std::string>& districts)
      : category_index_(categories), district_index_(districts) {}

  // Expects about `rows` rows and `users` distinct users in all: sizes the columns and the user
  // table once. The user table takes at most rows / 4 (users usually come back, and each slot
  // reserved for nobody costs memory), so a guess from the first rows, where every user is new,
  // cannot oversize it.
  void Reserve(size_t rows, size_t users);

  // Database COPY output instead of a file: messages say "NAME: row R (user_id 'x'): ..." (R
  // counts data rows from 1) and a field equal to `null_marker` is reported as a NULL.
  void UseRowMessages(std::string_view null_marker) {
    row_messages_ = true;
    null_marker_.assign(null_marker);
  }

  void BeginSource(std::string_view name);

  // Parses the complete lines of `piece` (with a line carried over from the previous piece).
  bool Feed(std::string_view piece);

  // The source ended: parses a last line without '\n' and checks that there was a header.
  bool EndSource();

  size_t rows() const { return table_.size(); }
  size_t users() const { return users_.size(); }
  const Status& error() const { return error_; }

  VisitTable Finish() &&;

 private:
  bool Fail(std::string_view what);

  // Keeps the start of a line whose end is in a later piece.
  bool Carry(std::string_view part);

  // One line, without its '\n'.
  bool Line(std::string_view line);

  bool Header(std::string_view line);

  bool Row(std::string_view line);

  // Interning is the parser's main cache miss (a random slot of a table that outgrows the
  // caches). So a row only prefetches its slot and queues its id; the id is interned kLookahead
  // rows later, when the slot has arrived. The queue is drained before the memory the ids point
  // into is reused (end of a piece, the carried line); order is kept, so indices still follow
  // first appearance.
  bool InternOldest();

  bool InternPending();

  bool SpendField(std::string_view field, int64_t* units);

  const NameIndex category_index_;
  const NameIndex district_index_;
  VisitTable table_;
  UserInterner users_;
  size_t reserve_rows_ = 0;
  Status error_;

  struct PendingUser {
    std::string_view id;  // into the current piece or carry_
    uint64_t hash;
    size_t row;
    size_t line_no;
  };
  static constexpr size_t kLookahead = 16;
  PendingUser pending_[kLookahead];
  size_t pending_head_ = 0;
  size_t pending_count_ = 0;

  // Schema, fixed by the first header of all sources.
  bool spend_known_ = false;
  int columns_ = 5;
  std::string spend_source_;  // the source whose header fixed it, for a mismatch message

  // Row-numbered messages and NULL detection (UseRowMessages).
  bool row_messages_ = false;
  std::string null_marker_;
  std::string_view current_user_;  // the user id of the row being checked

  // The current source.
  std::string name_;
  size_t line_no_ = 0;
  bool header_seen_ = false;
  size_t first_blank_line_ = 0;  // the first blank line of the current run of blank lines, or 0
  std::string carry_;            // the start of a line cut by the end of the last piece
};

}  // namespace mpcstats::core
