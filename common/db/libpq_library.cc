#include "common/db/libpq_library.h"

#include <dlfcn.h>

namespace mpcstats::db {
namespace {

using core::Code;
using core::Status;

// Sets *out to `name` in the library; records the first name that is not there.
template <typename Function>
void Resolve(void* handle, const char* name, Function* out, std::string* missing) {
  *out = reinterpret_cast<Function>(dlsym(handle, name));
  if (*out == nullptr && missing->empty()) *missing = name;
}

}  // namespace

core::StatusOr<LibPq> OpenLibPq(const std::string& soname) {
  const std::string what = "--pg: cannot load libpq (" + soname + "): ";
  // RTLD_LOCAL: libpq's symbols stay out of the global namespace (it bundles its own helpers).
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    return Status(Code::kBadInput, what + (reason != nullptr ? reason : "dlopen failed"));
  }
  LibPq pq{};
  std::string missing;
  Resolve(handle, "PQconnectdb", &pq.connectdb, &missing);
  Resolve(handle, "PQstatus", &pq.status, &missing);
  Resolve(handle, "PQerrorMessage", &pq.error_message, &missing);
  Resolve(handle, "PQfinish", &pq.finish, &missing);
  Resolve(handle, "PQconninfoParse", &pq.conninfo_parse, &missing);
  Resolve(handle, "PQconninfoFree", &pq.conninfo_free, &missing);
  Resolve(handle, "PQfreemem", &pq.freemem, &missing);
  Resolve(handle, "PQexec", &pq.exec, &missing);
  Resolve(handle, "PQexecParams", &pq.exec_params, &missing);
  Resolve(handle, "PQresultStatus", &pq.result_status, &missing);
  Resolve(handle, "PQresultErrorField", &pq.result_error_field, &missing);
  Resolve(handle, "PQclear", &pq.clear, &missing);
  Resolve(handle, "PQntuples", &pq.ntuples, &missing);
  Resolve(handle, "PQnfields", &pq.nfields, &missing);
  Resolve(handle, "PQgetvalue", &pq.getvalue, &missing);
  Resolve(handle, "PQgetlength", &pq.getlength, &missing);
  Resolve(handle, "PQgetisnull", &pq.getisnull, &missing);
  Resolve(handle, "PQfname", &pq.fname, &missing);
  Resolve(handle, "PQftype", &pq.ftype, &missing);
  Resolve(handle, "PQgetCopyData", &pq.get_copy_data, &missing);
  Resolve(handle, "PQgetResult", &pq.get_result, &missing);
  Resolve(handle, "PQescapeIdentifier", &pq.escape_identifier, &missing);
  if (!missing.empty()) {
    dlclose(handle);
    return Status(Code::kBadInput, what + "it has no function " + missing);
  }
  return pq;
}

core::StatusOr<const LibPq*> SystemLibPq() {
  static const core::StatusOr<LibPq> loaded = OpenLibPq("libpq.so.5");  // thread-safe static init
  if (!loaded.ok()) return loaded.status();
  return &*loaded;
}

}  // namespace mpcstats::db
