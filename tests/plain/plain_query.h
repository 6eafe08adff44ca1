// A plaintext reference for federated statistics queries, for tests only.
//
// Deliberately naive and written independently of the project's CSV parser, query parser and
// engine (the oracle must not share the code it checks): it reads every file line by line, keeps
// per-(party, user) counts in std::map, does its own calendar arithmetic, sums spend as exact
// integers of 0.0001 and computes the variance from exact integer sums.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mpcstats::testing {

// The result rows of `query` (the query JSON object: group_by, metrics, date_from, date_to) over
// the CSV files of each party (csv_paths_per_party[p] = party p's files; user ids are local to a
// party), with the roster's category and district lists as the domains of those keys and
// `min_group_size` = k (the maximum over the parties' policies). One row per cell, first
// group_by key slowest, every cell present; a cell with active_users < k has every metric null
// and "suppressed": true.
//
// With "bounds" (a private query; "privacy" is accepted and adds no noise here), each user's
// visits in a cell beyond max_visits_per_user_per_cell are dropped (the first ones in file order
// count) and spend per visit is clamped to max_spend_per_visit. A user visiting more than
// max_cells_per_user cells is an error: the engine picks those cells at random, which a
// reference cannot reproduce.
//
// Note: nlohmann::json objects sort their keys, so the rows carry the right keys but not the
// SPEC's key order.
//
// Throws std::runtime_error on anything unexpected: an unreadable file, a bad header or row, a
// category or district outside the lists, an unknown key or metric, a bad bucket list or date,
// or a spend metric asked of a file without a spend column.
nlohmann::json PlainQueryRows(const nlohmann::json& query,
                              const std::vector<std::vector<std::string>>& csv_paths_per_party,
                              const std::vector<std::string>& categories,
                              const std::vector<std::string>& districts, uint64_t min_group_size);

// Compares result rows: the same number of rows, in each row the same keys, strings, booleans
// and integers (histogram counts included) exactly, null only against null, other numbers within
// 1e-9 relative or 1e-12 absolute, spend_sum and spend_mean within 0.0001. On failure the message
// names the first differing row (with its grouping keys) and field.
::testing::AssertionResult RowsMatch(const nlohmann::json& actual, const nlohmann::json& expected);

}  // namespace mpcstats::testing
