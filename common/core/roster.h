// The roster: who takes part in a run and where they listen. Every process loads the same file;
// its digest travels in Start so that processes with different rosters refuse to run together.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/policy.h"
#include "common/core/status.h"

namespace mpcstats::core {

inline constexpr std::string_view kCoordinatorId = "coordinator";

struct Endpoint {
  std::string host;  // DNS name or IPv4/IPv6 literal
  uint16_t port = 0;
};

struct PartyEntry {
  std::string id;  // also the CN of the party's certificate
  Endpoint endpoint;  // port 0: none given (allowed for protocol secagg, where parties only dial out)
  DisclosurePolicy policy;  // the roster's "policy" with the party's own "policy" on top
};

struct Roster {
  Endpoint coordinator;
  std::vector<PartyEntry> parties;     // order defines party index 0..N-1
  std::vector<std::string> categories;  // public domain of store categories
  std::vector<std::string> districts;   // public domain of districts

  size_t num_parties() const { return parties.size(); }
  // The suppression threshold of a result: the largest min_group_size of any party.
  uint64_t MinGroupSize() const;
  // Whether every party has a host and port (the mesh protocols, seeded and full, need them).
  bool HasPartyEndpoints() const;
  // Index of the party with this id, or -1.
  int IndexOf(std::string_view id) const;
  // Hex SHA-256 over a canonical serialization (ids, hosts, ports, policies, categories, districts).
  std::string Digest() const;
};

std::vector<std::string> DefaultCategories();
std::vector<std::string> DefaultDistricts();

// Parses and validates roster JSON. Rejects, with a one-line message: invalid JSON, unknown keys,
// fewer than 2 parties, empty or duplicate ids, the id "coordinator" used by a party, ids with
// characters outside [A-Za-z0-9_.-], bad hosts, ports outside 1..65535, the same host:port twice,
// empty or duplicate categories/districts. A party's host and port may both be left out (protocol
// secagg only: the coordinator refuses a mesh protocol for such a roster).
StatusOr<Roster> ParseRoster(std::string_view json_text);
// Reads the file and parses it; errors name the file.
StatusOr<Roster> LoadRoster(const std::string& path);

}  // namespace mpcstats::core
