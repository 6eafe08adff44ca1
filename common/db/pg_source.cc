#include "common/db/pg_source.h"

#include <fmt/format.h>

#include <array>
#include <cstdlib>

#include "common/core/csv_reader.h"

namespace mpcstats::db {
namespace {

using core::Code;
using core::Status;

// Type OIDs (pg_type.dat; fixed across PostgreSQL versions).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kBpchar = 1042, kVarchar = 1043;
constexpr Oid kTimestamp = 1114, kTimestamptz = 1184, kNumeric = 1700;

bool IsInteger(Oid type) { return type == kInt2 || type == kInt4 || type == kInt8; }
bool IsText(Oid type) { return type == kText || type == kVarchar || type == kBpchar; }

// Reads of this size are handed to the CSV reader, as from a file.
constexpr size_t kStreamBlock = size_t{1} << 20;

}  // namespace

core::StatusOr<std::unique_ptr<PgSource>> PgSource::Open(const PgSourceOptions& options,
                                                         const std::vector<std::string>& categories,
                                                         const std::vector<std::string>& districts) {
  if (ConninfoHasPassword(options.conninfo)) {
    return Status(Code::kUsage,
                  "--pg: the connection string contains a password; give it through PGPASSFILE (~/.pgpass), "
                  "PGPASSWORD or a service file instead");
  }
  std::unique_ptr<PgSource> source(new PgSource());
  source->categories_ = categories;
  source->districts_ = districts;
  auto connection = PgConnection::Open(options.conninfo);
  if (!connection.ok()) return connection.status();
  source->connection_ = std::move(connection).value();

  if (!options.table.empty()) {
    // "schema.name" names a table in a schema; each part is quoted on its own.
    const size_t dot = options.table.find('.');
    std::string from;
    for (const std::string& part : dot == std::string::npos
                                       ? std::vector<std::string>{options.table}
                                       : std::vector<std::string>{options.table.substr(0, dot), options.table.substr(dot + 1)}) {
      if (part.empty()) return Status(Code::kUsage, "--pg-table: empty schema or table name in '" + options.table + "'");
      auto quoted = source->connection_->QuoteIdentifier(part);
      if (!quoted.ok()) return quoted.status();
      from += (from.empty() ? "" : ".") + *quoted;
    }
    source->shape_.from = from;
    source->table_ = options.table;
    source->name_ = "postgres table " + from;
  } else {
    source->shape_.from = "(" + options.query + "\n) AS src";
    source->name_ = "postgres --pg-query";
  }
  // One snapshot for the probe, the validation and every aggregate; nothing can be written.
  if (auto begun = source->connection_->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !begun.ok())
    return begun.status();
  if (Status s = source->Probe(); !s.ok()) return s;
  if (options.validate) {
    if (Status s = source->Validate(); !s.ok()) return s;
  }
  return source;
}

Status PgSource::Probe() {
  auto probe = connection_->Exec("SELECT * FROM " + shape_.from + " LIMIT 0");
  if (!probe.ok()) return probe.status().WithContext(name_);
  std::array<Oid, 6> types{};
  std::array<bool, 6> found{};
  static constexpr std::array<std::string_view, 6> kNames = {"user_id",  "store_category", "timestamp",
                                                             "district", "is_weekend",     "spend"};
  for (int c = 0; c < probe->columns(); ++c) {
    for (size_t k = 0; k < kNames.size(); ++k) {
      if (probe->column_name(c) == kNames[k]) {
        found[k] = true;
        types[k] = probe->column_type(c);
      }
    }
  }
  for (size_t k = 0; k < 5; ++k) {
    if (!found[k]) {
      return Status(Code::kBadInput,
                    fmt::format("{}: missing column: no column \"{}\" (needs user_id, store_category, timestamp, "
                                "district, is_weekend and optionally spend)",
                                name_, kNames[k]));
    }
  }
  auto type_name = [this](Oid type) {
    auto named = connection_->Exec(core::PgStatement{"SELECT format_type($1::oid, NULL)", {std::to_string(type)}});
    return named.ok() && named->rows() == 1 ? std::string(named->value(0, 0)) : std::to_string(type);
  };
  auto wrong = [&](size_t k, std::string_view expected) {
    return Status(Code::kBadInput, fmt::format("{}: wrong column type: \"{}\" is {}, expected {}", name_, kNames[k],
                                               type_name(types[k]), expected));
  };
  if (!IsText(types[1])) return wrong(1, "text or varchar");
  if (types[2] != kTimestamp && types[2] != kTimestamptz) return wrong(2, "timestamp or timestamptz");
  if (!IsText(types[3])) return wrong(3, "text or varchar");
  if (types[4] != kBool && !IsInteger(types[4])) return wrong(4, "boolean or an integer 0/1");
  if (found[5] && types[5] != kNumeric && !IsInteger(types[5])) return wrong(5, "numeric");
  shape_.timestamptz = types[2] == kTimestamptz;
  shape_.weekend_boolean = types[4] == kBool;
  shape_.has_spend = found[5];
  return Status::Ok();
}

Status PgSource::Validate() {
  auto result = connection_->Exec(core::PgValidationStatement(shape_, categories_, districts_));
  if (!result.ok()) return result.status().WithContext(name_);
  if (result->rows() == 0) return Status::Ok();
  return core::PgValidationError(name_, result->value(0, 0), result->value(0, 1), result->value(0, 2),
                                 result->value(0, 3), result->value(0, 4));
}

core::StatusOr<std::vector<uint64_t>> PgSource::Payload(const core::QueryPlan& plan, size_t num_parties) {
  auto statement = core::PgPushdownStatement(shape_, plan, categories_, districts_);
  if (!statement.ok()) return statement.status();
  auto result = connection_->Exec(*statement);
  if (!result.ok()) return result.status().WithContext(name_);
  core::PgPayloadFiller filler(plan, num_parties);
  std::vector<std::string_view> columns(static_cast<size_t>(result->columns()));
  for (int row = 0; row < result->rows(); ++row) {
    for (int c = 0; c < result->columns(); ++c) columns[static_cast<size_t>(c)] = result->value(row, c);
    if (Status s = filler.AddRow(columns); !s.ok()) return s;
  }
  return std::move(filler).Finish();
}

core::StatusOr<core::VisitTable> PgSource::Stream() {
  core::VisitsCsvStream reader(categories_, districts_, name_, core::kPgCopyNullMarker);
  // A table's row estimate (from its last ANALYZE) sizes the columns once instead of by doubling.
  if (!table_.empty()) {
    auto estimate = connection_->Exec(
        core::PgStatement{"SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass", {shape_.from}});
    if (estimate.ok() && estimate->rows() == 1) {
      const uint64_t rows = std::strtoull(std::string(estimate->value(0, 0)).c_str(), nullptr, 10);
      if (rows > 0 && rows < (uint64_t{1} << 34)) reader.Reserve(static_cast<size_t>(rows + rows / 32));
    }
  }
  std::string block;
  block.reserve(kStreamBlock + 4096);
  Status status = connection_->CopyOut(core::PgStreamCopySql(shape_), [&](std::string_view row) {
    block.append(row);
    if (block.size() < kStreamBlock) return true;
    const bool ok = reader.Feed(block);
    block.clear();
    return ok;
  });
  if (status.code() == Code::kAborted) return reader.error();
  if (!status.ok()) return status.WithContext(name_);
  if (!reader.Feed(block) || !reader.End()) return reader.error();
  return std::move(reader).Finish();
}

}  // namespace mpcstats::db
