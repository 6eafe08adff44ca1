// The visit CSV's two headers, shared by the parser and the writer.
#pragma once

#include <string_view>

namespace mpcstats::core {

inline constexpr std::string_view kVisitsCsvHeader = "user_id,store_category,timestamp,district,is_weekend";
inline constexpr std::string_view kVisitsCsvSpendHeader =
    "user_id,store_category,timestamp,district,is_weekend,spend";

}  // namespace mpcstats::core
