#include "common/core/roster.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "common/core/json_text.h"

namespace mpcstats::core {
namespace {

using nlohmann::json;

constexpr size_t kMaxIdLength = 64;       // a certificate CN holds at most 64 characters
constexpr size_t kMaxDomainSize = 65535;  // category and district indices are uint16
constexpr size_t kMaxNameLength = 64;     // categories and districts: names, not prose

Status Bad(std::string message) { return Status(Code::kBadInput, "roster: " + message); }

std::string_view JsonTypeName(const json& j) { return j.type_name(); }

bool IsValidIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

bool IsIpv4Literal(const std::string& host) {
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool IsIpv6Literal(const std::string& host) {
  in6_addr addr{};
  return inet_pton(AF_INET6, host.c_str(), &addr) == 1;
}

// RFC 1123 host name: dot-separated labels of 1..63 letters, digits and hyphens, not starting or
// ending with a hyphen; at most 253 characters; a trailing dot is not accepted.
bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    const std::string_view label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsValidHost(const std::string& host) {
  if (IsIpv4Literal(host) || IsIpv6Literal(host)) return true;
  // Digits and dots only but not a valid IPv4 address ("10.0.0.256", "1.2.3"): a typo, not a name.
  if (host.find_first_not_of("0123456789.") == std::string::npos) return false;
  return IsHostName(host);
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Parses {"host": ..., "port": ...} for the entity `who` ("coordinator" or a party id).
// `allowed_extra` are keys that may also appear (the party's "id" and "policy").
Status ParseEndpoint(const json& obj, std::string_view who, std::initializer_list<std::string_view> allowed_extra,
                     Endpoint* out) {
  for (const auto& [key, value] : obj.items()) {
    if (key != "host" && key != "port" && std::find(allowed_extra.begin(), allowed_extra.end(), key) == allowed_extra.end()) {
      return Bad(fmt::format("{}: unknown key {}", who, QuoteForMessage(key)));
    }
  }
  const auto host_it = obj.find("host");
  if (host_it == obj.end()) return Bad(fmt::format("{}: missing \"host\"", who));
  if (!host_it->is_string()) {
    return Bad(fmt::format("{}: host must be a string, got {}", who, JsonTypeName(*host_it)));
  }
  std::string host = host_it->get<std::string>();
  if (!IsValidHost(host)) return Bad(fmt::format("{}: bad host {}", who, QuoteForMessage(host)));

  const auto port_it = obj.find("port");
  if (port_it == obj.end()) return Bad(fmt::format("{}: missing \"port\"", who));
  if (port_it->is_number_unsigned()) {
    const auto port = port_it->get<uint64_t>();
    if (port < 1 || port > 65535) return Bad(fmt::format("{}: port {} out of range 1..65535", who, port));
    out->port = static_cast<uint16_t>(port);
  } else if (port_it->is_number_integer()) {
    return Bad(fmt::format("{}: port {} out of range 1..65535", who, port_it->get<int64_t>()));
  } else {
    return Bad(fmt::format("{}: port must be an integer, got {}", who, port_it->dump()));
  }
  out->host = std::move(host);
  return Status::Ok();
}

// Parses an optional list of names ("categories" or "districts"); absent means `defaults`.
Status ParseNameList(const json& root, const char* key, std::vector<std::string> defaults,
                     std::vector<std::string>* out) {
  const auto it = root.find(key);
  if (it == root.end()) {
    *out = std::move(defaults);
    return Status::Ok();
  }
  if (!it->is_array()) return Bad(fmt::format("\"{}\" must be an array, got {}", key, JsonTypeName(*it)));
  if (it->empty()) return Bad(fmt::format("\"{}\" is empty", key));
  if (it->size() > kMaxDomainSize)
    return Bad(fmt::format("\"{}\" has more than {} entries", key, kMaxDomainSize));
  std::set<std::string, std::less<>> seen;
  out->clear();
  for (const json& entry : *it) {
    if (!entry.is_string()) {
      return Bad(fmt::format("\"{}\": entries must be strings, got {}", key, JsonTypeName(entry)));
    }
    std::string name = entry.get<std::string>();
    if (name.empty()) return Bad(fmt::format("\"{}\": empty name", key));
    if (name.size() > kMaxNameLength) {
      return Bad(fmt::format("\"{}\": name {} longer than {} characters", key, QuoteForMessage(name), kMaxNameLength));
    }
    // Names appear unquoted in the visits CSV, so they may not contain a separator or a line break.
    for (char c : name) {
      const auto u = static_cast<unsigned char>(c);
      if (c == ',' || c == '"' || u < 0x20 || u == 0x7f) {
        return Bad(
            fmt::format("\"{}\": name {} contains a comma, quote or control character", key, QuoteForMessage(name)));
      }
    }
    if (!seen.insert(name).second) return Bad(fmt::format("duplicate {} entry {}", key, QuoteForMessage(name)));
    out->push_back(std::move(name));
  }
  return Status::Ok();
}

Status ParseParty(const json& entry, size_t index, const DisclosurePolicy& default_policy, PartyEntry* out) {
  const std::string where = fmt::format("parties[{}]", index);
  if (!entry.is_object()) return Bad(fmt::format("{} must be an object, got {}", where, JsonTypeName(entry)));
  const auto id_it = entry.find("id");
  if (id_it == entry.end()) return Bad(fmt::format("{}: missing \"id\"", where));
  if (!id_it->is_string())
    return Bad(fmt::format("{}: id must be a string, got {}", where, JsonTypeName(*id_it)));
  std::string id = id_it->get<std::string>();
  if (id.empty()) return Bad(fmt::format("{}: empty party id", where));
  if (id.size() > kMaxIdLength) {
    return Bad(fmt::format("party id {} longer than {} characters", QuoteForMessage(id), kMaxIdLength));
  }
  if (!std::all_of(id.begin(), id.end(), IsValidIdChar)) {
    return Bad(fmt::format("party id {} has characters outside [A-Za-z0-9_.-]", QuoteForMessage(id)));
  }
  if (id == kCoordinatorId) return Bad("party id 'coordinator' is reserved for the coordinator");
  // Protocol secagg: parties only dial the coordinator, so a party may give no host and port.
  if (entry.contains("host") || entry.contains("port")) {
    if (Status s = ParseEndpoint(entry, id, {"id", "policy"}, &out->endpoint); !s.ok()) return s;
  } else {
    for (const auto& [key, value] : entry.items()) {
      if (key != "id" && key != "policy") return Bad(fmt::format("{}: unknown key {}", id, QuoteForMessage(key)));
    }
  }
  out->policy = default_policy;
  if (const auto policy_it = entry.find("policy"); policy_it != entry.end()) {
    if (Status s = ParsePolicy(*policy_it, fmt::format("roster: {}: policy", id), default_policy, &out->policy); !s.ok())
      return s;
  }
  out->id = std::move(id);
  return Status::Ok();
}

// Length-prefixed field for the canonical serialization: no separator can be forged by content.
void AppendField(std::string* out, std::string_view field) {
  fmt::format_to(std::back_inserter(*out), "{}:", field.size());
  out->append(field);
  out->push_back(';');
}

}  // namespace

std::vector<std::string> DefaultCategories() {
  return {"grocery", "clothing", "electronics", "pharmacy", "restaurant", "home_garden", "sports", "beauty"};
}

std::vector<std::string> DefaultDistricts() {
  return {"downtown", "north", "south", "east", "west", "harbor"};
}

uint64_t Roster::MinGroupSize() const {
  uint64_t k = 1;
  for (const PartyEntry& party : parties) k = std::max(k, party.policy.min_group_size);
  return k;
}

bool Roster::HasPartyEndpoints() const {
  return std::all_of(parties.begin(), parties.end(), [](const PartyEntry& p) { return p.endpoint.port != 0; });
}

int Roster::IndexOf(std::string_view id) const {
  for (size_t i = 0; i < parties.size(); ++i) {
    if (parties[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

std::string Roster::Digest() const {
  std::string canonical = "mpcstats-roster-v1;";
  AppendField(&canonical, "coordinator");
  AppendField(&canonical, coordinator.host);
  AppendField(&canonical, std::to_string(coordinator.port));
  AppendField(&canonical, "parties=" + std::to_string(parties.size()));
  for (const PartyEntry& party : parties) {
    AppendField(&canonical, party.id);
    AppendField(&canonical, party.endpoint.host);
    AppendField(&canonical, std::to_string(party.endpoint.port));
    AppendField(&canonical, PolicyToJson(party.policy).dump());
  }
  AppendField(&canonical, "categories=" + std::to_string(categories.size()));
  for (const std::string& name : categories) AppendField(&canonical, name);
  AppendField(&canonical, "districts=" + std::to_string(districts.size()));
  for (const std::string& name : districts) AppendField(&canonical, name);

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  // EVP_Digest only fails on allocation failure or a broken OpenSSL; an empty digest then never
  // matches a peer's, so the run refuses to start rather than proceeding unchecked.
  if (EVP_Digest(canonical.data(), canonical.size(), md, &md_len, EVP_sha256(), nullptr) != 1) return {};
  std::string hex;
  hex.reserve(md_len * 2);
  for (unsigned int i = 0; i < md_len; ++i) fmt::format_to(std::back_inserter(hex), "{:02x}", md[i]);
  return hex;
}

StatusOr<Roster> ParseRoster(std::string_view json_text) {
  auto parsed = ParseJsonText(json_text, "roster");
  if (!parsed.ok()) return parsed.status();
  const json& root = *parsed;
  try {
    if (!root.is_object()) return Bad(fmt::format("top level must be an object, got {}", JsonTypeName(root)));
    for (const auto& [key, value] : root.items()) {
      if (key != "coordinator" && key != "parties" && key != "categories" && key != "districts" &&
          key != "policy") {
        return Bad(fmt::format("unknown key {}", QuoteForMessage(key)));
      }
    }

    Roster roster;
    const auto coord_it = root.find("coordinator");
    if (coord_it == root.end()) return Bad("missing \"coordinator\"");
    if (!coord_it->is_object()) {
      return Bad(fmt::format("\"coordinator\" must be an object, got {}", JsonTypeName(*coord_it)));
    }
    if (Status s = ParseEndpoint(*coord_it, kCoordinatorId, {}, &roster.coordinator); !s.ok()) return s;

    const auto parties_it = root.find("parties");
    if (parties_it == root.end()) return Bad("missing \"parties\"");
    if (!parties_it->is_array()) {
      return Bad(fmt::format("\"parties\" must be an array, got {}", JsonTypeName(*parties_it)));
    }
    if (parties_it->size() < 2) {
      return Bad(fmt::format("need at least 2 parties, got {}", parties_it->size()));
    }
    // The top-level "policy" is every party's default; a party's own "policy" overrides its fields.
    DisclosurePolicy default_policy;
    if (const auto policy_it = root.find("policy"); policy_it != root.end()) {
      if (Status s = ParsePolicy(*policy_it, "roster: \"policy\"", DisclosurePolicy{}, &default_policy); !s.ok())
        return s;
    }
    std::set<std::string, std::less<>> ids;
    // host:port -> who uses it; hosts compare case-insensitively, as DNS does.
    std::vector<std::pair<std::string, std::string>> endpoints;
    endpoints.emplace_back(fmt::format("{}:{}", LowerAscii(roster.coordinator.host), roster.coordinator.port),
                           std::string(kCoordinatorId));
    for (size_t i = 0; i < parties_it->size(); ++i) {
      PartyEntry party;
      if (Status s = ParseParty((*parties_it)[i], i, default_policy, &party); !s.ok()) return s;
      if (!ids.insert(party.id).second) return Bad(fmt::format("duplicate party id {}", QuoteForMessage(party.id)));
      std::string key = fmt::format("{}:{}", LowerAscii(party.endpoint.host), party.endpoint.port);
      if (party.endpoint.port == 0) key.clear();  // no endpoint: nothing to collide with
      for (const auto& [used, who] : endpoints) {
        if (!key.empty() && used == key) {
          return Bad(fmt::format("{} and {} both use {}:{}", who, party.id, party.endpoint.host,
                                 party.endpoint.port));
        }
      }
      endpoints.emplace_back(std::move(key), party.id);
      roster.parties.push_back(std::move(party));
    }

    if (Status s = ParseNameList(root, "categories", DefaultCategories(), &roster.categories); !s.ok())
      return s;
    if (Status s = ParseNameList(root, "districts", DefaultDistricts(), &roster.districts); !s.ok()) return s;

    return roster;
  } catch (const json::exception& e) {
    // Not expected: every access above checks the type first. Kept so no exception escapes.
    return Status(Code::kInternal, fmt::format("roster: {}", e.what()));
  }
}

StatusOr<Roster> LoadRoster(const std::string& path) {
  auto text = ReadSmallFile(path, size_t{1} << 24, "roster");
  if (!text.ok()) return text.status();
  StatusOr<Roster> roster = ParseRoster(*text);
  if (!roster.ok()) return roster.status().WithContext(path);
  return roster;
}

}  // namespace mpcstats::core
