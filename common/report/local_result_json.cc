#include "common/report/run_report.h"

namespace mpcstats::report {

nlohmann::json LocalResultJson(const std::string& party_id, const std::vector<std::string>& categories,
                               const core::LocalAggregates& local) {
  nlohmann::json j;
  j["party"] = party_id;
  j["users"] = local.users;
  auto& visits = j["visits"] = nlohmann::json::object();
  auto& averages = j["average_visits_per_user"] = nlohmann::json::object();
  for (size_t c = 0; c < categories.size(); ++c) {
    visits[categories[c]] = local.visits_per_category[c];
    averages[categories[c]] =
        local.users == 0 ? 0.0 : static_cast<double>(local.visits_per_category[c]) / static_cast<double>(local.users);
  }
  return j;
}

}  // namespace mpcstats::report
