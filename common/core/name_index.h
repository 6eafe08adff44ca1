// Name -> index over a public domain list (categories or districts), for the CSV parser.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mpcstats::core {

// Name -> index over a public domain list (categories or districts). The lists are short, so a
// linear scan comparing lengths first beats hashing; long lists fall back to a hash map.
class NameIndex {
 public:
  explicit NameIndex(const std::vector<std::string>& names) {
    names_.reserve(names.size());
    for (const std::string& name : names) names_.emplace_back(name);
    if (names_.size() > kLinearLimit) {
      map_.reserve(names_.size());
      for (size_t i = 0; i < names_.size(); ++i) map_.emplace(names_[i], static_cast<uint16_t>(i));
    }
  }

  // The index of `name`, or -1.
  int Find(std::string_view name) const {
    if (names_.size() > kLinearLimit) {
      const auto it = map_.find(name);
      return it == map_.end() ? -1 : it->second;
    }
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i].size() == name.size() && std::memcmp(names_[i].data(), name.data(), name.size()) == 0) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

 private:
  static constexpr size_t kLinearLimit = 32;
  std::vector<std::string_view> names_;
  std::unordered_map<std::string_view, uint16_t> map_;
};

}  // namespace mpcstats::core
