#include "common/core/dp_options.h"

#include <nlohmann/json.hpp>

namespace mpcstats::core {

StatusOr<Query> AttachPrivacy(const Query& query, const DpOptions& options) {
  if (query.privacy) {
    return Status(Code::kUsage, "--dp-rho: the query already has a \"privacy\" block; give one or the other");
  }
  nlohmann::json j = QueryToJson(query);
  j["privacy"] = {{"rho", options.rho}, {"delta", options.delta}};
  j["bounds"] = {{"max_visits_per_user_per_cell", options.max_visits_per_user_per_cell},
                 {"max_cells_per_user", options.max_cells_per_user}};
  if (query.Has(Metric::kSpendSum) || query.Has(Metric::kSpendMean)) {
    j["bounds"]["max_spend_per_visit"] = options.max_spend_per_visit;
  }
  auto parsed = ParseQuery(j.dump());
  if (!parsed.ok()) return parsed.status().WithContext("--dp-rho");
  return parsed;
}

}  // namespace mpcstats::core
