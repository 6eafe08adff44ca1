// Interning of user ids: arbitrary strings -> dense indices, for the CSV parser. Header-only
// because Hash, Prefetch and Intern run once per row and must inline into the parser's loop.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/csv_reader.h"

namespace mpcstats::core {

// User id -> dense index, in order of first appearance. The interner owns the id bytes (one arena,
// ids back to back), because the text they came from is a read block that is reused. The table
// is open addressing with linear probing over 16-byte slots: one cache line per probe and no
// allocation per user, which std::unordered_map (a node and a std::string per entry) cannot offer;
// this lookup is most of the parser's cost.
class UserInterner {
 public:
  UserInterner() { slots_.resize(64); }

  size_t size() const { return size_; }

  // Sizes the table for `users` ids without growing on the way.
  void Reserve(size_t users) {
    size_t capacity = slots_.size();
    while (capacity < 2 * users) capacity *= 2;
    if (capacity > slots_.size()) Rehash(capacity);
  }

  static uint64_t Hash(std::string_view id) {
    // Word at a time, then a full 64-bit mix (SplitMix64's finalizer): ids are short, so the
    // per-call cost of a general byte hash (std::hash, not inlined) is most of it.
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ id.size();
    const char* p = id.data();
    size_t n = id.size();
    for (; n >= 8; n -= 8, p += 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      h = (h ^ word) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 29;
    }
    if (n > 0) {
      uint64_t word = 0;
      for (size_t i = 0; i < n; ++i) word |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
      h = (h ^ word) * 0xbf58476d1ce4e5b9ULL;
    }
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
  }

  // Starts loading the slot where `hash` begins its probe, so that the cache miss overlaps the
  // parsing of the rest of the row instead of stalling Intern.
  void Prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]); }

  // The index of `id` (non-empty, shorter than 2^24 bytes; `hash` = Hash(id)), assigning the next
  // one if it is new.
  uint32_t Intern(std::string_view id, uint64_t hash) {
    const auto tag = static_cast<uint32_t>(hash >> 32);
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (true) {
      Slot& slot = slots_[i];
      if (slot.index_plus_one == 0) {
        const auto index = static_cast<uint32_t>(size_++);
        slot = {tag, index + 1, (static_cast<uint64_t>(arena_.size()) << kSizeBits) | id.size()};
        arena_.append(id);
        if (2 * size_ > slots_.size()) Rehash(slots_.size() * 2);
        return index;
      }
      if (slot.tag == tag && (slot.location & kSizeMask) == id.size() &&
          std::memcmp(arena_.data() + (slot.location >> kSizeBits), id.data(), id.size()) == 0) {
        return slot.index_plus_one - 1;
      }
      i = (i + 1) & mask;
    }
  }

 private:
  static constexpr int kSizeBits = 24;  // an id is at most one line (kCsvMaxLineBytes)
  static constexpr uint64_t kSizeMask = (uint64_t{1} << kSizeBits) - 1;
  static_assert(kCsvMaxLineBytes <= kSizeMask);

  struct Slot {
    uint32_t tag = 0;             // high half of the hash: most mismatches never touch the arena
    uint32_t index_plus_one = 0;  // 0 marks an empty slot
    uint64_t location = 0;        // arena offset << kSizeBits | id size
  };
  static_assert(sizeof(Slot) == 16);

  // Rehashing recomputes each hash from the arena: the slot keeps only half of it, to stay small.
  void Rehash(size_t capacity) {
    std::vector<Slot> old(capacity);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.index_plus_one == 0) continue;
      const std::string_view id(arena_.data() + (slot.location >> kSizeBits), slot.location & kSizeMask);
      size_t i = Hash(id) & mask;
      while (slots_[i].index_plus_one != 0) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::string arena_;
  size_t size_ = 0;
};

}  // namespace mpcstats::core
