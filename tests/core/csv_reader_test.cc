#include "common/core/csv_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/core/roster.h"
#include "common/core/synthetic_data.h"
#include "common/core/timestamp.h"

namespace mpcstats::core {
namespace {

const char kHeader[] = "user_id,store_category,timestamp,district,is_weekend\n";

class CsvReaderTest : public ::testing::Test {
 protected:
  StatusOr<VisitTable> Parse(std::string_view text) {
    return ParseVisitsCsv(text, "data.csv", categories_, districts_);
  }

  // Parses text that must fail with kBadInput and returns the message.
  std::string ParseError(std::string_view text) {
    StatusOr<VisitTable> table = Parse(text);
    if (table.ok()) return "(parsed without error)";
    EXPECT_EQ(table.status().code(), Code::kBadInput) << table.status().ToString();
    return table.status().message();
  }

  // A header, then `good_rows` valid rows, then `last`: the bad row is on line good_rows + 2.
  static std::string WithRowAt(int good_rows, std::string_view last) {
    std::string text = kHeader;
    for (int i = 0; i < good_rows; ++i)
      text += "u" + std::to_string(i) + ",grocery,2026-03-11T10:00:00,north,0\n";
    text += last;
    text += "\n";
    return text;
  }

  std::vector<std::string> categories_ = DefaultCategories();
  std::vector<std::string> districts_ = DefaultDistricts();
};

TEST_F(CsvReaderTest, ParsesRowsAndInternsUsers) {
  const std::string text = std::string(kHeader) +
                           "alice,grocery,2026-03-11T08:15:00,downtown,0\n"
                           "bob,beauty,2026-03-14T19:00:59,harbor,1\n"
                           "alice,electronics,2026-03-15 23:59:59,north,1\n"
                           "carol with spaces,restaurant,2026-01-01T00:00:00,west,0\n";
  StatusOr<VisitTable> table = Parse(text);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->size(), 4u);
  EXPECT_EQ(table->num_users, 3u);
  EXPECT_EQ(table->user, (std::vector<uint32_t>{0, 1, 0, 2}));
  EXPECT_EQ(table->category, (std::vector<uint16_t>{0, 7, 2, 4}));
  EXPECT_EQ(table->district, (std::vector<uint16_t>{0, 5, 1, 4}));
  EXPECT_EQ(table->is_weekend, (std::vector<uint8_t>{0, 1, 1, 0}));
  EXPECT_EQ(table->timestamp[0], *ParseIsoTimestamp("2026-03-11T08:15:00"));
  EXPECT_EQ(table->timestamp[3], 1767225600);
}

TEST_F(CsvReaderTest, HeaderOnlyIsAnEmptyTable) {
  StatusOr<VisitTable> table = Parse(kHeader);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->size(), 0u);
  EXPECT_EQ(table->num_users, 0u);
}

TEST_F(CsvReaderTest, AcceptsCrlfBomMissingFinalNewlineAndTrailingBlankLines) {
  const std::string crlf =
      "user_id,store_category,timestamp,district,is_weekend\r\n"
      "a,grocery,2026-03-11T08:15:00,downtown,0\r\n"
      "b,sports,2026-03-14T08:15:00,south,1\r\n";
  StatusOr<VisitTable> table = Parse(crlf);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->size(), 2u);
  EXPECT_EQ(table->is_weekend[1], 1);

  table = Parse("\xEF\xBB\xBF" + crlf);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->size(), 2u);

  table = Parse(std::string(kHeader) + "a,grocery,2026-03-11T08:15:00,downtown,0");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->size(), 1u);

  table = Parse(crlf + "\r\n\n\r\n");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->size(), 2u);
}

TEST_F(CsvReaderTest, HeaderErrors) {
  EXPECT_EQ(ParseError(""),
            "data.csv:1: missing header 'user_id,store_category,timestamp,district,is_weekend'");
  EXPECT_EQ(ParseError("user_id,store_category,timestamp,district\n"),
            "data.csv:1: expected header 'user_id,store_category,timestamp,district,is_weekend', got "
            "'user_id,store_category,timestamp,distric...'");
  EXPECT_EQ(ParseError("a,grocery,2026-03-11T08:15:00,downtown,0\n"),
            "data.csv:1: expected header 'user_id,store_category,timestamp,district,is_weekend', got "
            "'a,grocery,2026-03-11T08:15:00,downtown,0'");
  EXPECT_EQ(ParseError("\n"),
            "data.csv:1: expected header 'user_id,store_category,timestamp,district,is_weekend', got ''");
}

TEST_F(CsvReaderTest, ColumnCountErrors) {
  EXPECT_EQ(ParseError(WithRowAt(1, "a,grocery,2026-03-11T08:15:00,downtown")),
            "data.csv:3: expected 5 columns, got 4");
  EXPECT_EQ(ParseError(WithRowAt(0, "a,grocery,2026-03-11T08:15:00,downtown,0,extra")),
            "data.csv:2: expected 5 columns, got 6");
  EXPECT_EQ(ParseError(WithRowAt(4, "just-one-field")), "data.csv:6: expected 5 columns, got 1");
  EXPECT_EQ(ParseError(WithRowAt(2, ",,,,,,,")), "data.csv:4: expected 5 columns, got 8");
  // A quoted field is not special: its comma still separates.
  EXPECT_EQ(ParseError(WithRowAt(0, "\"a,b\",grocery,2026-03-11T08:15:00,downtown,0")),
            "data.csv:2: expected 5 columns, got 6");
}

TEST_F(CsvReaderTest, FieldErrorsWithExactLineNumbers) {
  EXPECT_EQ(ParseError(WithRowAt(15, "a,toys,2026-03-11T08:15:00,downtown,0")),
            "data.csv:17: unknown category 'toys'");
  EXPECT_EQ(ParseError(WithRowAt(0, "a,Grocery,2026-03-11T08:15:00,downtown,0")),
            "data.csv:2: unknown category 'Grocery'");
  EXPECT_EQ(ParseError(WithRowAt(0, "a,,2026-03-11T08:15:00,downtown,0")), "data.csv:2: unknown category ''");
  EXPECT_EQ(ParseError(WithRowAt(7, "a,grocery,2026-03-11T08:15:00,uptown,0")),
            "data.csv:9: unknown district 'uptown'");
  EXPECT_EQ(ParseError(WithRowAt(7, "a,grocery,2026-13-01T00:00:00,north,0")),
            "data.csv:9: bad timestamp '2026-13-01T00:00:00'");
  EXPECT_EQ(ParseError(WithRowAt(1, "a,grocery,2026-02-29T00:00:00,north,0")),
            "data.csv:3: bad timestamp '2026-02-29T00:00:00'");
  EXPECT_EQ(ParseError(WithRowAt(1, "a,grocery,yesterday,north,0")), "data.csv:3: bad timestamp 'yesterday'");
  EXPECT_EQ(ParseError(WithRowAt(2, "a,grocery,2026-03-11T08:15:00,north,2")),
            "data.csv:4: is_weekend must be 0 or 1");
  EXPECT_EQ(ParseError(WithRowAt(2, "a,grocery,2026-03-11T08:15:00,north,")),
            "data.csv:4: is_weekend must be 0 or 1");
  EXPECT_EQ(ParseError(WithRowAt(2, "a,grocery,2026-03-11T08:15:00,north,01")),
            "data.csv:4: is_weekend must be 0 or 1");
  EXPECT_EQ(ParseError(WithRowAt(2, "a,grocery,2026-03-11T08:15:00,north,true")),
            "data.csv:4: is_weekend must be 0 or 1");
  EXPECT_EQ(ParseError(WithRowAt(3, "a,grocery,2026-03-11T08:15:00,north,1")),
            "data.csv:5: is_weekend=1 but 2026-03-11 is a Wednesday");
  EXPECT_EQ(ParseError(WithRowAt(3, "a,grocery,2026-03-14T23:59:59,north,0")),
            "data.csv:5: is_weekend=0 but 2026-03-14 is a Saturday");
  EXPECT_EQ(ParseError(WithRowAt(5, ",grocery,2026-03-11T08:15:00,north,0")), "data.csv:7: empty user_id");
}

TEST_F(CsvReaderTest, ErrorsAfterCrlfLinesKeepLineNumbers) {
  const std::string text =
      "user_id,store_category,timestamp,district,is_weekend\r\n"
      "a,grocery,2026-03-11T08:15:00,downtown,0\r\n"
      "a,toys,2026-03-11T08:15:00,downtown,0\r\n";
  EXPECT_EQ(ParseError(text), "data.csv:3: unknown category 'toys'");
  // A stray carriage return inside a line is data, not a line break.
  EXPECT_EQ(ParseError(WithRowAt(0, "a,grocery,2026-03-11T08:15:00,downtown,0\r\r")),
            "data.csv:2: is_weekend must be 0 or 1");
}

TEST_F(CsvReaderTest, BlankLineBeforeMoreRowsIsAnError) {
  const std::string text = std::string(kHeader) +
                           "a,grocery,2026-03-11T08:15:00,downtown,0\n"
                           "\n"
                           "\n"
                           "b,grocery,2026-03-11T08:15:00,downtown,0\n";
  EXPECT_EQ(ParseError(text), "data.csv:3: blank line before the end of the file");
}

TEST_F(CsvReaderTest, LongAndControlCharacterValuesAreTruncatedInMessages) {
  const std::string long_category(100, 'x');
  EXPECT_EQ(ParseError(WithRowAt(0, "a," + long_category + ",2026-03-11T08:15:00,north,0")),
            "data.csv:2: unknown category '" + std::string(40, 'x') + "...'");
  EXPECT_EQ(ParseError(WithRowAt(0, std::string("a,gro\x01"
                                                "cery,2026-03-11T08:15:00,north,0"))),
            "data.csv:2: unknown category 'gro?cery'");
}

TEST_F(CsvReaderTest, CustomDomainListsIncludingLongOnes) {
  categories_.clear();
  for (int i = 0; i < 100; ++i) categories_.push_back("cat" + std::to_string(i));
  districts_ = {"only"};
  StatusOr<VisitTable> table =
      Parse(std::string(kHeader) + "a,cat99,2026-03-11T08:15:00,only,0\nb,cat0,2026-03-11T08:15:00,only,0\n");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->category, (std::vector<uint16_t>{99, 0}));
  EXPECT_EQ(ParseError(WithRowAt(0, "a,cat100,2026-03-11T08:15:00,only,0")),
            "data.csv:2: unknown category 'cat100'");
  EXPECT_EQ(ParseError(WithRowAt(0, "a,cat1,2026-03-11T08:15:00,north,0")),
            "data.csv:2: unknown district 'north'");
}

TEST_F(CsvReaderTest, FormatThenParseRoundTrips) {
  SyntheticSpec spec;
  spec.users = 500;
  spec.party_index = 2;
  const VisitTable original = GenerateSyntheticVisits(spec);
  const std::string text = FormatVisitsCsv(original, categories_, districts_);
  StatusOr<VisitTable> parsed = Parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->user, original.user);
  EXPECT_EQ(parsed->category, original.category);
  EXPECT_EQ(parsed->timestamp, original.timestamp);
  EXPECT_EQ(parsed->district, original.district);
  EXPECT_EQ(parsed->is_weekend, original.is_weekend);
  EXPECT_EQ(parsed->num_users, original.num_users);
}

// Hostile input: every single-byte change of a valid file either parses or fails cleanly with a
// located kBadInput message; never a crash or another code.
TEST_F(CsvReaderTest, SingleByteCorruptionsFailCleanly) {
  const std::string valid = std::string(kHeader) +
                            "alice,grocery,2026-03-11T08:15:00,downtown,0\n"
                            "bob,beauty,2026-03-14T19:00:59,harbor,1\r\n";
  int failures = 0;
  for (size_t i = 0; i < valid.size(); ++i) {
    for (char replacement : {'\0', '\n', '\r', ',', '9', 'z', '-', ' '}) {
      std::string text = valid;
      if (text[i] == replacement) continue;
      text[i] = replacement;
      StatusOr<VisitTable> table = Parse(text);
      if (table.ok()) continue;
      ++failures;
      ASSERT_EQ(table.status().code(), Code::kBadInput);
      ASSERT_EQ(table.status().message().rfind("data.csv:", 0), 0u) << table.status().message();
      ASSERT_EQ(table.status().message().find('\n'), std::string::npos) << table.status().message();
    }
  }
  EXPECT_GT(failures, 100);
}

TEST_F(CsvReaderTest, ReadVisitsCsvNamesTheFile) {
  StatusOr<VisitTable> missing = ReadVisitsCsv("/nonexistent-dir/x.csv", categories_, districts_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kBadInput);
  EXPECT_EQ(missing.status().message(), "cannot open '/nonexistent-dir/x.csv': No such file or directory");

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("mpcstats_csv_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "good.csv").string();
  const std::string bad = (dir / "bad.csv").string();
  std::ofstream(good) << kHeader << "a,grocery,2026-03-11T08:15:00,downtown,0\n";
  std::ofstream(bad) << kHeader << "a,toys,2026-03-11T08:15:00,downtown,0\n";

  StatusOr<VisitTable> table = ReadVisitsCsv(good, categories_, districts_);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->size(), 1u);

  StatusOr<VisitTable> failed = ReadVisitsCsv(bad, categories_, districts_);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), bad + ":2: unknown category 'toys'");

  StatusOr<VisitTable> directory = ReadVisitsCsv(dir.string(), categories_, districts_);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), Code::kBadInput);
  EXPECT_EQ(directory.status().message(), "cannot read '" + dir.string() + "': Is a directory");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mpcstats::core
