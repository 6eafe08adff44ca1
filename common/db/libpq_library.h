// libpq, opened with dlopen the first time a --pg run needs it. A party that reads a CSV file or
// synthetic data then never maps libpq and the twenty libraries it pulls in (Kerberos, LDAP,
// GnuTLS, ...): linking it cost every party process about 9 ms of start-up, a third of it, and
// secure aggregation starts hundreds of parties (BENCHMARKS.md, "Start-up cost of a party").
#pragma once

#include <libpq-fe.h>  // types only; every call goes through the table below

#include <string>

#include "common/core/status.h"

namespace mpcstats::db {

// The libpq functions mpcstats calls, resolved from one loaded library.
struct LibPq {
  decltype(&::PQconnectdb) connectdb;
  decltype(&::PQstatus) status;
  decltype(&::PQerrorMessage) error_message;
  decltype(&::PQfinish) finish;
  decltype(&::PQconninfoParse) conninfo_parse;
  decltype(&::PQconninfoFree) conninfo_free;
  decltype(&::PQfreemem) freemem;
  decltype(&::PQexec) exec;
  decltype(&::PQexecParams) exec_params;
  decltype(&::PQresultStatus) result_status;
  decltype(&::PQresultErrorField) result_error_field;
  decltype(&::PQclear) clear;
  decltype(&::PQntuples) ntuples;
  decltype(&::PQnfields) nfields;
  decltype(&::PQgetvalue) getvalue;
  decltype(&::PQgetlength) getlength;
  decltype(&::PQgetisnull) getisnull;
  decltype(&::PQfname) fname;
  decltype(&::PQftype) ftype;
  decltype(&::PQgetCopyData) get_copy_data;
  decltype(&::PQgetResult) get_result;
  decltype(&::PQescapeIdentifier) escape_identifier;
};

// Opens `soname` and resolves every function. kBadInput "--pg: cannot load libpq (SONAME): ..."
// naming dlopen's reason or the first missing function. The library stays loaded.
core::StatusOr<LibPq> OpenLibPq(const std::string& soname);

// The process's libpq (libpq.so.5, Debian's libpq5), opened once on first use; the same error on
// every call if it cannot be.
core::StatusOr<const LibPq*> SystemLibPq();

}  // namespace mpcstats::db
