#include "common/core/visit_table.h"

namespace mpcstats::core {

void VisitTable::Reserve(size_t rows) {
  user.reserve(rows);
  category.reserve(rows);
  timestamp.reserve(rows);
  district.reserve(rows);
  is_weekend.reserve(rows);
  if (has_spend) spend.reserve(rows);
}

}  // namespace mpcstats::core
