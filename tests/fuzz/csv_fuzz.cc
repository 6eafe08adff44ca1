// libFuzzer target for the visit CSV reader (ParseVisitsCsv with the default categories and
// districts). Beyond "no crash, no sanitizer report", for any input:
//  - an error is kBadInput with one printable line of bounded length (file contents are quoted
//    at most 40 characters at a time, control characters replaced);
//  - a table that parses writes back (FormatVisitsCsv) to CSV that parses to the same table.
// Build and run: scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/core/csv_reader.h"
#include "common/core/csv_writer.h"
#include "common/core/roster.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* categories = new std::vector<std::string>(mpcstats::core::DefaultCategories());
  static const auto* districts = new std::vector<std::string>(mpcstats::core::DefaultDistricts());
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto table = mpcstats::core::ParseVisitsCsv(text, "fuzz.csv", *categories, *districts);
  if (!table.ok()) {
    FUZZ_CHECK(table.status().code() == mpcstats::core::Code::kBadInput);
    const std::string& message = table.status().message();
    FUZZ_CHECK(message.size() < 512);
    for (char c : message) FUZZ_CHECK(c != '\n' && c != '\r' && c != '\0');
    return 0;
  }

  const auto& t = *table;
  FUZZ_CHECK(t.user.size() == t.size() && t.category.size() == t.size() && t.timestamp.size() == t.size() &&
             t.district.size() == t.size() && t.is_weekend.size() == t.size());
  FUZZ_CHECK(t.num_users <= t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    FUZZ_CHECK(t.user[i] < t.num_users);
    FUZZ_CHECK(t.category[i] < categories->size());
    FUZZ_CHECK(t.district[i] < districts->size());
  }

  const std::string written = mpcstats::core::FormatVisitsCsv(t, *categories, *districts);
  auto again = mpcstats::core::ParseVisitsCsv(written, "rewritten.csv", *categories, *districts);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->user == t.user);
  FUZZ_CHECK(again->category == t.category);
  FUZZ_CHECK(again->timestamp == t.timestamp);
  FUZZ_CHECK(again->district == t.district);
  FUZZ_CHECK(again->is_weekend == t.is_weekend);
  FUZZ_CHECK(again->num_users == t.num_users);
  return 0;
}
