#include "common/core/csv_reader.h"
#include "common/core/csv_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

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
  EXPECT_EQ(ParseError("\xEF\xBB\xBF"),
            "data.csv:1: missing header 'user_id,store_category,timestamp,district,is_weekend'");
  EXPECT_EQ(ParseError("user_id,store_category,timestamp,district\n"),
            "data.csv:1: expected header 'user_id,store_category,timestamp,district,is_weekend' (optionally "
            "followed by ',spend'), got 'user_id,store_category,timestamp,distric...'");
  EXPECT_EQ(ParseError("a,grocery,2026-03-11T08:15:00,downtown,0\n"),
            "data.csv:1: expected header 'user_id,store_category,timestamp,district,is_weekend' (optionally "
            "followed by ',spend'), got 'a,grocery,2026-03-11T08:15:00,downtown,0'");
  EXPECT_EQ(ParseError("\n"),
            "data.csv:1: expected header 'user_id,store_category,timestamp,district,is_weekend' (optionally "
            "followed by ',spend'), got ''");
  EXPECT_EQ(ParseError("user_id,store_category,timestamp,district,is_weekend,amount\n"),
            "data.csv:1: expected header 'user_id,store_category,timestamp,district,is_weekend' (optionally "
            "followed by ',spend'), got 'user_id,store_category,timestamp,distric...'");
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
  StatusOr<VisitTable> missing = ReadVisitsCsvFiles({"/nonexistent-dir/x.csv"}, categories_, districts_);
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

  StatusOr<VisitTable> table = ReadVisitsCsvFiles({good}, categories_, districts_);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->size(), 1u);

  StatusOr<VisitTable> failed = ReadVisitsCsvFiles({bad}, categories_, districts_);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), bad + ":2: unknown category 'toys'");

  StatusOr<VisitTable> directory = ReadVisitsCsvFiles({dir.string()}, categories_, districts_);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), Code::kBadInput);
  EXPECT_EQ(directory.status().message(), "cannot read '" + dir.string() + "': Is a directory");
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------- spend column

const char kSpendHeader[] = "user_id,store_category,timestamp,district,is_weekend,spend\n";

// A spend header, then `good_rows` valid rows, then a row with `spend`: it is on line good_rows + 2.
std::string WithSpendAt(int good_rows, std::string_view spend) {
  std::string text = kSpendHeader;
  for (int i = 0; i < good_rows; ++i)
    text += "u" + std::to_string(i) + ",grocery,2026-03-11T10:00:00,north,0,1.00\n";
  text += "a,grocery,2026-03-11T10:00:00,north,0,";
  text += spend;
  text += "\n";
  return text;
}

TEST_F(CsvReaderTest, SpendIsReadExactlyInTenThousandths) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"12.50", 125000},
      {"3", 30000},
      {"0.0001", 1},
      {"0", 0},
      {"0.0", 0},
      {"007.5", 75000},
      {"1.2345", 12345},
      {"0.1", 1000},
      {"19.99", 199900},
      {"123456789", 1234567890000},
      {"922337203685477.5807", std::numeric_limits<int64_t>::max()},
      {"0000000000000000000000922337203685477.5807", std::numeric_limits<int64_t>::max()},
  };
  std::string text = kSpendHeader;
  for (const auto& [spend, units] : cases) text += "a,grocery,2026-03-11T10:00:00,north,0," + spend + "\n";
  StatusOr<VisitTable> table = Parse(text);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_TRUE(table->has_spend);
  ASSERT_EQ(table->spend.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) EXPECT_EQ(table->spend[i], cases[i].second) << cases[i].first;
  EXPECT_EQ(table->num_users, 1u);
  EXPECT_EQ(table->category, std::vector<uint16_t>(cases.size(), 0));

  // Without the column: no spend at all.
  table = Parse(std::string(kHeader) + "a,grocery,2026-03-11T10:00:00,north,0\n");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_FALSE(table->has_spend);
  EXPECT_TRUE(table->spend.empty());
  // With the column and CRLF, the '\r' is not part of the spend.
  table = Parse(
      "user_id,store_category,timestamp,district,is_weekend,spend\r\na,grocery,2026-03-11T10:00:00,north,0,4."
      "25\r\n");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->spend, std::vector<int64_t>{42500});
}

TEST_F(CsvReaderTest, SpendErrorsNameFileAndLine) {
  EXPECT_EQ(ParseError(WithSpendAt(0, "")), "data.csv:2: empty spend");
  EXPECT_EQ(ParseError(WithSpendAt(3, "-1.50")),
            "data.csv:5: spend '-1.50' has a sign (spend is a plain non-negative number)");
  EXPECT_EQ(ParseError(WithSpendAt(1, "+2")),
            "data.csv:3: spend '+2' has a sign (spend is a plain non-negative number)");
  EXPECT_EQ(ParseError(WithSpendAt(2, "1.23456")),
            "data.csv:4: spend '1.23456' has more than 4 decimals (precision 0.0001)");
  EXPECT_EQ(ParseError(WithSpendAt(0, "0.00000")),
            "data.csv:2: spend '0.00000' has more than 4 decimals (precision 0.0001)");
  for (const char* bad :
       {"12a", "1.2.3", ".5", "5.", "1,5", " 5", "5 ", "1e3", "0x10", "abc", ".", "1.-5", "NaN"}) {
    // "1,5" splits into one field too many.
    const std::string expected = std::string(bad) == "1,5"
                                     ? "data.csv:7: expected 6 columns, got 7"
                                     : "data.csv:7: bad spend '" + std::string(bad) +
                                           "' (expected digits with up to 4 decimals, e.g. 12.50)";
    EXPECT_EQ(ParseError(WithSpendAt(5, bad)), expected) << bad;
  }
  EXPECT_EQ(ParseError(WithSpendAt(0, "922337203685477.5808")),
            "data.csv:2: spend '922337203685477.5808' is too large (at most 922337203685477.5807)");
  EXPECT_EQ(ParseError(WithSpendAt(0, "922337203685478")),
            "data.csv:2: spend '922337203685478' is too large (at most 922337203685477.5807)");
  EXPECT_EQ(ParseError(WithSpendAt(0, "99999999999999999999999")),
            "data.csv:2: spend '99999999999999999999999' is too large (at most 922337203685477.5807)");
  // The column count follows the header.
  EXPECT_EQ(ParseError(std::string(kSpendHeader) + "a,grocery,2026-03-11T10:00:00,north,0\n"),
            "data.csv:2: expected 6 columns, got 5");
  EXPECT_EQ(ParseError(std::string(kHeader) + "a,grocery,2026-03-11T10:00:00,north,0,1.00\n"),
            "data.csv:2: expected 5 columns, got 6");
  // Other fields are still checked first, in column order.
  EXPECT_EQ(ParseError(std::string(kSpendHeader) + "a,grocery,2026-03-11T10:00:00,north,1,-5\n"),
            "data.csv:2: is_weekend=1 but 2026-03-11 is a Wednesday");
}

TEST_F(CsvReaderTest, FormatWritesSpendThatParsesBackToTheSameUnits) {
  VisitTable table;
  table.has_spend = true;
  const std::vector<int64_t> spend = {0,      1,      10,  125000,
                                      123450, 123456, 100, std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i < spend.size(); ++i) {
    table.user.push_back(static_cast<uint32_t>(i % 3));
    table.category.push_back(static_cast<uint16_t>(i % categories_.size()));
    table.timestamp.push_back(1767225600 + static_cast<int64_t>(i) * 3600);  // 2026-01-01, a Thursday
    table.district.push_back(1);
    table.is_weekend.push_back(0);
    table.spend.push_back(spend[i]);
  }
  table.num_users = 3;
  const std::string text = FormatVisitsCsv(table, categories_, districts_);
  EXPECT_EQ(text,
            "user_id,store_category,timestamp,district,is_weekend,spend\n"
            "u0,grocery,2026-01-01T00:00:00,north,0,0.00\n"
            "u1,clothing,2026-01-01T01:00:00,north,0,0.0001\n"
            "u2,electronics,2026-01-01T02:00:00,north,0,0.001\n"
            "u0,pharmacy,2026-01-01T03:00:00,north,0,12.50\n"
            "u1,restaurant,2026-01-01T04:00:00,north,0,12.345\n"
            "u2,home_garden,2026-01-01T05:00:00,north,0,12.3456\n"
            "u0,sports,2026-01-01T06:00:00,north,0,0.01\n"
            "u1,beauty,2026-01-01T07:00:00,north,0,922337203685477.5807\n");
  StatusOr<VisitTable> parsed = Parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->has_spend);
  EXPECT_EQ(parsed->spend, spend);
  EXPECT_EQ(parsed->user, table.user);
  EXPECT_EQ(parsed->category, table.category);
  EXPECT_EQ(parsed->timestamp, table.timestamp);
}

TEST_F(CsvReaderTest, GeneratedSpendRoundTripsThroughCsv) {
  SyntheticSpec spec;
  spec.users = 2000;
  spec.party_index = 1;
  const VisitTable original = GenerateSyntheticVisits(spec);
  ASSERT_TRUE(original.has_spend);
  ASSERT_EQ(original.spend.size(), original.size());
  for (int64_t units : original.spend) {
    ASSERT_GE(units, kSpendScale / 100);        // at least one cent
    ASSERT_EQ(units % (kSpendScale / 100), 0);  // whole cents
  }
  const std::string text = FormatVisitsCsv(original, categories_, districts_);
  EXPECT_EQ(text.rfind(kSpendHeader, 0), 0u);
  StatusOr<VisitTable> parsed = Parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->has_spend);
  EXPECT_EQ(parsed->spend, original.spend);
  EXPECT_EQ(parsed->user, original.user);
  EXPECT_EQ(parsed->num_users, original.num_users);
}

// ---------------------------------------------------------------- files: streaming and several per party

class CsvFilesTest : public CsvReaderTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mpcstats_csv_files_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, std::string_view text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  StatusOr<VisitTable> Read(const std::vector<std::string>& paths, size_t block_size = kCsvBlockSize) {
    return ReadVisitsCsvFiles(paths, categories_, districts_, block_size);
  }

  std::string ReadError(const std::vector<std::string>& paths, size_t block_size = kCsvBlockSize) {
    StatusOr<VisitTable> table = Read(paths, block_size);
    if (table.ok()) return "(read without error)";
    EXPECT_EQ(table.status().code(), Code::kBadInput) << table.status().ToString();
    return table.status().message();
  }

  static void ExpectSameTable(const VisitTable& a, const VisitTable& b, const std::string& what) {
    EXPECT_EQ(a.user, b.user) << what;
    EXPECT_EQ(a.category, b.category) << what;
    EXPECT_EQ(a.timestamp, b.timestamp) << what;
    EXPECT_EQ(a.district, b.district) << what;
    EXPECT_EQ(a.is_weekend, b.is_weekend) << what;
    EXPECT_EQ(a.has_spend, b.has_spend) << what;
    EXPECT_EQ(a.spend, b.spend) << what;
    EXPECT_EQ(a.num_users, b.num_users) << what;
  }

  std::filesystem::path dir_;
};

// Every block size from 1 byte to past the file size: lines, a CRLF, the byte order mark and the
// last line (without '\n') are cut at every possible place, and the table is always the same.
TEST_F(CsvFilesTest, LinesStraddlingBlockBoundariesParseTheSame) {
  const std::string text =
      "\xEF\xBB\xBFuser_id,store_category,timestamp,district,is_weekend,spend\r\n"
      "alice,grocery,2026-03-11T08:15:00,downtown,0,12.50\r\n"
      "bob,beauty,2026-03-14T19:00:59,harbor,1,3\n"
      "a much longer user id than the others in this file,electronics,2026-03-15 23:59:59,north,1,0.0001\r\n"
      "alice,restaurant,2026-01-01T00:00:00,west,0,1234.5678";  // no final newline
  const std::string path = Write("straddle.csv", text);
  // With this block size the first "\r\n" of a row is cut between its '\r' and its '\n'.
  const size_t crlf_split = text.find("12.50\r\n") + 6;
  ASSERT_EQ(text[crlf_split - 1], '\r');

  bool saw_crlf_split = false;
  for (size_t block = 1; block <= text.size() + 1; ++block) {
    if (crlf_split % block == 0) saw_crlf_split = true;
    StatusOr<VisitTable> table = Read({path}, block);
    ASSERT_TRUE(table.ok()) << "block " << block << ": " << table.status().ToString();
    EXPECT_EQ(table->size(), 4u) << block;
    EXPECT_EQ(table->num_users, 3u) << block;
    EXPECT_EQ(table->user, (std::vector<uint32_t>{0, 1, 2, 0})) << block;
    EXPECT_EQ(table->category, (std::vector<uint16_t>{0, 7, 2, 4})) << block;
    EXPECT_EQ(table->district, (std::vector<uint16_t>{0, 5, 1, 4})) << block;
    EXPECT_EQ(table->is_weekend, (std::vector<uint8_t>{0, 1, 1, 0})) << block;
    EXPECT_EQ(table->spend, (std::vector<int64_t>{125000, 30000, 1, 12345678})) << block;
    EXPECT_EQ(table->timestamp[3], 1767225600) << block;
  }
  EXPECT_TRUE(saw_crlf_split);
}

// Errors after block boundaries keep their line numbers, whatever the block size.
TEST_F(CsvFilesTest, ErrorLineNumbersDoNotDependOnTheBlockSize) {
  std::string text = "user_id,store_category,timestamp,district,is_weekend\r\n";
  for (int i = 0; i < 40; ++i) text += "u" + std::to_string(i) + ",grocery,2026-03-11T10:00:00,north,0\r\n";
  text += "a,toys,2026-03-11T10:00:00,north,0\r\n";
  const std::string path = Write("late-error.csv", text);
  for (size_t block : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{38}, size_t{39}, size_t{40},
                       size_t{41}, size_t{64}, size_t{1000}, kCsvBlockSize}) {
    EXPECT_EQ(ReadError({path}, block), path + ":42: unknown category 'toys'") << block;
  }
  // A blank line followed by rows, cut across blocks.
  const std::string blank =
      Write("blank.csv", std::string(kHeader) + "a,grocery,2026-03-11T10:00:00,north,0\n\r\n\n" +
                             "b,grocery,2026-03-11T10:00:00,north,0\n");
  for (size_t block = 1; block < 100; ++block) {
    EXPECT_EQ(ReadError({blank}, block), blank + ":3: blank line before the end of the file") << block;
  }
  // Only a byte order mark, delivered one byte at a time, is an empty file.
  const std::string mark = Write("mark.csv", "\xEF\xBB\xBF");
  EXPECT_EQ(ReadError({mark}, 1),
            mark + ":1: missing header 'user_id,store_category,timestamp,district,is_weekend'");
  const std::string empty = Write("empty.csv", "");
  EXPECT_EQ(ReadError({empty}),
            empty + ":1: missing header 'user_id,store_category,timestamp,district,is_weekend'");
}

// A large generated file read with the default block and with a small odd one gives exactly the
// table that parsing the whole text in memory gives.
TEST_F(CsvFilesTest, StreamingMatchesInMemoryParsingOnALargeFile) {
  SyntheticSpec spec;
  spec.users = 40000;
  const std::string text = FormatVisitsCsv(GenerateSyntheticVisits(spec), categories_, districts_);
  ASSERT_GT(text.size(), 3 * kCsvBlockSize);  // several default blocks
  const std::string path = Write("large.csv", text);
  StatusOr<VisitTable> in_memory = Parse(text);
  ASSERT_TRUE(in_memory.ok()) << in_memory.status().ToString();
  for (size_t block : {kCsvBlockSize, size_t{4093}}) {
    StatusOr<VisitTable> streamed = Read({path}, block);
    ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
    ExpectSameTable(*streamed, *in_memory, "block " + std::to_string(block));
  }
  EXPECT_EQ(in_memory->num_users, spec.users);
}

TEST_F(CsvFilesTest, OverlongLinesAreRefused) {
  const std::string long_user(kCsvMaxLineBytes, 'x');
  const std::string text = std::string(kHeader) + "a,grocery,2026-03-11T10:00:00,north,0\n" + long_user +
                           ",grocery,2026-03-11T10:00:00,north,0\n";
  EXPECT_EQ(ParseError(text), "data.csv:3: line longer than 1048576 bytes");
  const std::string path = Write("long.csv", text);
  EXPECT_EQ(ReadError({path}), path + ":3: line longer than 1048576 bytes");
  EXPECT_EQ(ReadError({path}, 4096), path + ":3: line longer than 1048576 bytes");
  // Just at the limit is fine (the id is the whole line but for the other fields).
  const std::string fits(kCsvMaxLineBytes - std::string(",grocery,2026-03-11T10:00:00,north,0").size(), 'y');
  StatusOr<VisitTable> table =
      Read({Write("fits.csv", std::string(kHeader) + fits + ",grocery,2026-03-11T10:00:00,north,0")}, 4096);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->size(), 1u);
}

TEST_F(CsvFilesTest, SeveralFilesShareOneUserIdSpace) {
  const std::string a = Write("a.csv", std::string(kSpendHeader) +
                                           "alice,grocery,2026-03-11T08:15:00,downtown,0,10\n"
                                           "bob,beauty,2026-03-14T19:00:59,harbor,1,2.5\n"
                                           "\n");  // trailing blank lines end only this file
  const std::string b = Write("b.csv", "\xEF\xBB\xBF" + std::string(kSpendHeader) +
                                           "carol,sports,2026-03-12T08:00:00,south,0,7.25\r\n"
                                           "alice,pharmacy,2026-03-13T08:00:00,east,0,0.0001\r\n");
  const std::string c =
      Write("c.csv", std::string(kSpendHeader) + "bob,clothing,2026-03-15T08:00:00,west,1,99");
  for (size_t block : {size_t{1}, size_t{5}, kCsvBlockSize}) {
    StatusOr<VisitTable> table = Read({a, b, c}, block);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    EXPECT_TRUE(table->has_spend);
    EXPECT_EQ(table->num_users, 3u);
    EXPECT_EQ(table->user, (std::vector<uint32_t>{0, 1, 2, 0, 1}));
    EXPECT_EQ(table->category, (std::vector<uint16_t>{0, 7, 6, 3, 1}));
    EXPECT_EQ(table->district, (std::vector<uint16_t>{0, 5, 2, 3, 4}));
    EXPECT_EQ(table->spend, (std::vector<int64_t>{100000, 25000, 72500, 1, 990000}));
  }
  // The one-file reader is the same reader.
  StatusOr<VisitTable> one = ReadVisitsCsvFiles({c}, categories_, districts_);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->spend, std::vector<int64_t>{990000});
  EXPECT_EQ(one->num_users, 1u);
}

TEST_F(CsvFilesTest, ErrorsNameTheFileAndItsOwnLine) {
  const std::string good =
      Write("good.csv", std::string(kHeader) + "a,grocery,2026-03-11T08:15:00,downtown,0\n" +
                            "b,grocery,2026-03-11T08:15:00,downtown,0\n" +
                            "c,grocery,2026-03-11T08:15:00,downtown,0\n");
  const std::string bad =
      Write("bad.csv", std::string(kHeader) + "a,grocery,2026-03-11T08:15:00,downtown,0\n" +
                           "a,grocery,2026-03-11T08:15:00,uptown,0\n");
  EXPECT_EQ(ReadError({good, bad}), bad + ":3: unknown district 'uptown'");
  EXPECT_EQ(ReadError({bad, good}), bad + ":3: unknown district 'uptown'");
  const std::string missing = (dir_ / "missing.csv").string();
  EXPECT_EQ(ReadError({good, missing}), "cannot open '" + missing + "': No such file or directory");
  const std::string headerless = Write("headerless.csv", "a,grocery,2026-03-11T08:15:00,downtown,0\n");
  EXPECT_EQ(ReadError({good, headerless}),
            headerless +
                ":1: expected header 'user_id,store_category,timestamp,district,is_weekend' (optionally "
                "followed by "
                "',spend'), got 'a,grocery,2026-03-11T08:15:00,downtown,0'");

  // The same file twice (by another name too) would count its visits twice.
  const std::string alias = (dir_ / "." / "good.csv").string();
  EXPECT_EQ(ReadError({good, bad, alias}), "'" + good + "' and '" + alias + "' are the same file");

  StatusOr<VisitTable> none = Read({});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Code::kUsage);
  EXPECT_EQ(none.status().message(), "no visit CSV file given");
}

TEST_F(CsvFilesTest, AllFilesMustAgreeOnTheSpendColumn) {
  const std::string plain =
      Write("plain.csv", std::string(kHeader) + "a,grocery,2026-03-11T08:15:00,downtown,0\n");
  const std::string plain2 =
      Write("plain2.csv", std::string(kHeader) + "a,sports,2026-03-11T08:15:00,downtown,0\n");
  const std::string spend =
      Write("spend.csv", std::string(kSpendHeader) + "a,grocery,2026-03-11T08:15:00,downtown,0,1.00\n");
  EXPECT_EQ(ReadError({plain, spend}), spend + ":1: header has a spend column but the header of " + plain +
                                           " has none; all files of a party must agree");
  EXPECT_EQ(ReadError({spend, plain, plain2}), plain + ":1: header has no spend column but the header of " +
                                                   spend + " has one; all files of a party must agree");
  StatusOr<VisitTable> both = Read({plain, plain2});
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_FALSE(both->has_spend);
  EXPECT_TRUE(both->spend.empty());
  EXPECT_EQ(both->category, (std::vector<uint16_t>{0, 6}));
  EXPECT_EQ(both->num_users, 1u);
}

}  // namespace
}  // namespace mpcstats::core
