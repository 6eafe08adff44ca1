#include "tests/support/category_vector.h"

#include <algorithm>

namespace mpcstats::core {

std::vector<uint64_t> EncodeInput(const LocalAggregates& local, const VectorLayout& layout, size_t party_index) {
  std::vector<uint64_t> input(layout.size(), 0);
  const size_t n = std::min(layout.num_categories, local.visits_per_category.size());
  std::copy_n(local.visits_per_category.begin(), n, input.begin());
  input[layout.users_index()] = local.users;
  if (party_index < layout.num_parties) input[layout.check_offset() + party_index] = 1;
  return input;
}

}  // namespace mpcstats::core
