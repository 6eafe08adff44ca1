#include "common/core/roster.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

namespace mpcstats::core {
namespace {

using nlohmann::json;

json ValidRoster() {
  return json::parse(R"({
    "coordinator": {"host": "coordinator.local", "port": 7000},
    "parties": [
      {"id": "party1", "host": "127.0.0.1", "port": 7001},
      {"id": "party2", "host": "127.0.0.1", "port": 7002},
      {"id": "party3", "host": "::1", "port": 7003}
    ]
  })");
}

StatusOr<Roster> Parse(const json& j) { return ParseRoster(j.dump()); }

// Parses a roster that must be rejected with kBadInput and returns the message.
std::string ParseError(const json& j) {
  StatusOr<Roster> roster = Parse(j);
  if (roster.ok()) return "(parsed without error)";
  EXPECT_EQ(roster.status().code(), Code::kBadInput) << roster.status().ToString();
  return roster.status().message();
}

TEST(RosterTest, ParsesValidRosterWithDefaults) {
  StatusOr<Roster> roster = Parse(ValidRoster());
  ASSERT_TRUE(roster.ok()) << roster.status().ToString();
  EXPECT_EQ(roster->coordinator.host, "coordinator.local");
  EXPECT_EQ(roster->coordinator.port, 7000);
  ASSERT_EQ(roster->num_parties(), 3u);
  EXPECT_EQ(roster->parties[0].id, "party1");
  EXPECT_EQ(roster->parties[2].endpoint.host, "::1");
  EXPECT_EQ(roster->parties[2].endpoint.port, 7003);
  EXPECT_EQ(roster->categories, (std::vector<std::string>{"grocery", "clothing", "electronics", "pharmacy",
                                                          "restaurant", "home_garden", "sports", "beauty"}));
  EXPECT_EQ(roster->districts,
            (std::vector<std::string>{"downtown", "north", "south", "east", "west", "harbor"}));
  EXPECT_EQ(roster->categories, DefaultCategories());
  EXPECT_EQ(roster->districts, DefaultDistricts());
  EXPECT_EQ(roster->IndexOf("party1"), 0);
  EXPECT_EQ(roster->IndexOf("party3"), 2);
  EXPECT_EQ(roster->IndexOf("party4"), -1);
  EXPECT_EQ(roster->IndexOf("coordinator"), -1);
}

TEST(RosterTest, ExplicitCategoriesDistrictsAndPolicy) {
  json j = ValidRoster();
  j["categories"] = {"food", "books"};
  j["districts"] = {"center"};
  j["policy"] = {{"min_group_size", 5}};
  StatusOr<Roster> roster = Parse(j);
  ASSERT_TRUE(roster.ok()) << roster.status().ToString();
  EXPECT_EQ(roster->categories, (std::vector<std::string>{"food", "books"}));
  EXPECT_EQ(roster->districts, (std::vector<std::string>{"center"}));

  j["policy"] = 5;
  EXPECT_EQ(ParseError(j), "roster: \"policy\" must be an object, got number");
}

TEST(RosterTest, TwoPartiesIsTheMinimum) {
  json j = ValidRoster();
  j["parties"].erase(2);
  EXPECT_TRUE(Parse(j).ok());
  j["parties"].erase(1);
  EXPECT_EQ(ParseError(j), "roster: need at least 2 parties, got 1");
  j["parties"] = json::array();
  EXPECT_EQ(ParseError(j), "roster: need at least 2 parties, got 0");
}

TEST(RosterTest, RejectsBadJsonAndStructure) {
  StatusOr<Roster> roster = ParseRoster("{\"parties\": [");
  ASSERT_FALSE(roster.ok());
  EXPECT_EQ(roster.status().code(), Code::kBadInput);
  EXPECT_EQ(roster.status().message().rfind("roster: invalid JSON: parse error at line 1, column 14", 0), 0u)
      << roster.status().message();
  EXPECT_EQ(roster.status().message().find('\n'), std::string::npos);

  EXPECT_EQ(ParseError(json::array()), "roster: top level must be an object, got array");
  json j = ValidRoster();
  j.erase("coordinator");
  EXPECT_EQ(ParseError(j), "roster: missing \"coordinator\"");
  j = ValidRoster();
  j.erase("parties");
  EXPECT_EQ(ParseError(j), "roster: missing \"parties\"");
  j = ValidRoster();
  j["parties"] = "party1";
  EXPECT_EQ(ParseError(j), "roster: \"parties\" must be an array, got string");
  j = ValidRoster();
  j["coordinator"] = json::array();
  EXPECT_EQ(ParseError(j), "roster: \"coordinator\" must be an object, got array");
  j = ValidRoster();
  j["parties"][1] = "party2";
  EXPECT_EQ(ParseError(j), "roster: parties[1] must be an object, got string");
}

TEST(RosterTest, RejectsUnknownKeys) {
  json j = ValidRoster();
  j["partys"] = json::array();
  EXPECT_EQ(ParseError(j), "roster: unknown key 'partys'");
  j = ValidRoster();
  j["parties"][1]["weight"] = 2;
  EXPECT_EQ(ParseError(j), "roster: party2: unknown key 'weight'");
  j = ValidRoster();
  j["coordinator"]["id"] = "coordinator";
  EXPECT_EQ(ParseError(j), "roster: coordinator: unknown key 'id'");
}

TEST(RosterTest, RejectsBadIds) {
  json j = ValidRoster();
  j["parties"][1]["id"] = "party1";
  EXPECT_EQ(ParseError(j), "roster: duplicate party id 'party1'");
  j["parties"][1]["id"] = "";
  EXPECT_EQ(ParseError(j), "roster: parties[1]: empty party id");
  j["parties"][1]["id"] = "coordinator";
  EXPECT_EQ(ParseError(j), "roster: party id 'coordinator' is reserved for the coordinator");
  j["parties"][1]["id"] = "party 2";
  EXPECT_EQ(ParseError(j), "roster: party id 'party 2' has characters outside [A-Za-z0-9_.-]");
  j["parties"][1]["id"] = "party/2";
  EXPECT_EQ(ParseError(j), "roster: party id 'party/2' has characters outside [A-Za-z0-9_.-]");
  j["parties"][1]["id"] = std::string(65, 'p');
  EXPECT_EQ(ParseError(j), "roster: party id '" + std::string(40, 'p') + "...' longer than 64 characters");
  j["parties"][1]["id"] = 2;
  EXPECT_EQ(ParseError(j), "roster: parties[1]: id must be a string, got number");
  j["parties"][1].erase("id");
  EXPECT_EQ(ParseError(j), "roster: parties[1]: missing \"id\"");
  j["parties"][1]["id"] = "Party_2.eu-west";
  EXPECT_TRUE(Parse(j).ok());
}

TEST(RosterTest, RejectsBadPorts) {
  json j = ValidRoster();
  j["parties"][2]["port"] = 70000;
  EXPECT_EQ(ParseError(j), "roster: party3: port 70000 out of range 1..65535");
  j["parties"][2]["port"] = 0;
  EXPECT_EQ(ParseError(j), "roster: party3: port 0 out of range 1..65535");
  j["parties"][2]["port"] = -1;
  EXPECT_EQ(ParseError(j), "roster: party3: port -1 out of range 1..65535");
  j["parties"][2]["port"] = "7003";
  EXPECT_EQ(ParseError(j), "roster: party3: port must be an integer, got \"7003\"");
  j["parties"][2]["port"] = 7003.5;
  EXPECT_EQ(ParseError(j), "roster: party3: port must be an integer, got 7003.5");
  j["parties"][2].erase("port");
  EXPECT_EQ(ParseError(j), "roster: party3: missing \"port\"");
  j = ValidRoster();
  j["coordinator"]["port"] = 65536;
  EXPECT_EQ(ParseError(j), "roster: coordinator: port 65536 out of range 1..65535");
  j["coordinator"]["port"] = 65535;
  EXPECT_TRUE(Parse(j).ok());
  j["coordinator"]["port"] = 1;
  EXPECT_TRUE(Parse(j).ok());
}

TEST(RosterTest, ValidatesHosts) {
  for (const char* good :
       {"localhost", "party-1.example.com", "a", "A1.b2.C3", "10.0.0.1", "255.255.255.255", "::1", "fe80::1",
        "2001:db8::8a2e:370:7334", "::ffff:192.0.2.1", "1host.example"}) {
    json j = ValidRoster();
    j["parties"][0]["host"] = good;
    EXPECT_TRUE(Parse(j).ok()) << good;
  }
  const std::string long_label(64, 'a');
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(63, 'b') + ".";
  long_name += "c";  // 257 characters
  for (const std::string& bad : std::vector<std::string>{
           "", "bad host", "-leading.example", "trailing-.example", "double..dot", "trailing.dot.",
           ".leading", "under_score", "10.0.0.256", "1.2.3", "1.2.3.4.5", "[::1]", "::1::2", "fe80::1%eth0",
           "host:7001", long_label + ".example", long_name, "caf\xc3\xa9.example"}) {
    json j = ValidRoster();
    j["parties"][0]["host"] = bad;
    StatusOr<Roster> roster = ParseRoster(j.dump(-1, ' ', false, json::error_handler_t::replace));
    ASSERT_FALSE(roster.ok()) << bad;
    EXPECT_EQ(roster.status().code(), Code::kBadInput);
    EXPECT_EQ(roster.status().message().rfind("roster: party1: bad host '", 0), 0u)
        << roster.status().message();
  }
  json j = ValidRoster();
  j["parties"][0]["host"] = "bad host";
  EXPECT_EQ(ParseError(j), "roster: party1: bad host 'bad host'");
  j["parties"][0]["host"] = 127;
  EXPECT_EQ(ParseError(j), "roster: party1: host must be a string, got number");
  j["parties"][0].erase("host");
  EXPECT_EQ(ParseError(j), "roster: party1: missing \"host\"");
  j = ValidRoster();
  j["coordinator"]["host"] = "10.0.0.300";
  EXPECT_EQ(ParseError(j), "roster: coordinator: bad host '10.0.0.300'");
}

TEST(RosterTest, RejectsDuplicateEndpoints) {
  json j = ValidRoster();
  j["parties"][1]["port"] = 7001;
  EXPECT_EQ(ParseError(j), "roster: party1 and party2 both use 127.0.0.1:7001");
  j = ValidRoster();
  j["parties"][2]["host"] = "Coordinator.LOCAL";
  j["parties"][2]["port"] = 7000;
  EXPECT_EQ(ParseError(j), "roster: coordinator and party3 both use Coordinator.LOCAL:7000");
  // Same host, different ports, and same port on different hosts, are fine.
  j = ValidRoster();
  j["parties"][2]["host"] = "10.0.0.3";
  j["parties"][2]["port"] = 7001;
  EXPECT_TRUE(Parse(j).ok());
}

TEST(RosterTest, ValidatesCategoriesAndDistricts) {
  json j = ValidRoster();
  j["categories"] = json::array();
  EXPECT_EQ(ParseError(j), "roster: \"categories\" is empty");
  j["categories"] = {"food", "books", "food"};
  EXPECT_EQ(ParseError(j), "roster: duplicate categories entry 'food'");
  j["categories"] = {"food", ""};
  EXPECT_EQ(ParseError(j), "roster: \"categories\": empty name");
  j["categories"] = {"food", 3};
  EXPECT_EQ(ParseError(j), "roster: \"categories\": entries must be strings, got number");
  j["categories"] = "food";
  EXPECT_EQ(ParseError(j), "roster: \"categories\" must be an array, got string");
  j["categories"] = {"food,drink"};
  EXPECT_EQ(ParseError(j),
            "roster: \"categories\": name 'food,drink' contains a comma, quote or control character");
  j["categories"] = {"food\n"};
  EXPECT_EQ(ParseError(j),
            "roster: \"categories\": name 'food?' contains a comma, quote or control character");
  j = ValidRoster();
  j["districts"] = json::array();
  EXPECT_EQ(ParseError(j), "roster: \"districts\" is empty");
  j["districts"] = {"north", "north"};
  EXPECT_EQ(ParseError(j), "roster: duplicate districts entry 'north'");
  j["districts"] = {std::string(65, 'd')};
  EXPECT_EQ(ParseError(j),
            "roster: \"districts\": name '" + std::string(40, 'd') + "...' longer than 64 characters");
}

TEST(RosterTest, DigestIsStableAndChangesWithEveryField) {
  const Roster base = *Parse(ValidRoster());
  const std::string digest = base.Digest();
  EXPECT_EQ(digest.size(), 64u);
  EXPECT_EQ(digest.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(Parse(ValidRoster())->Digest(), digest);
  // Explicit defaults are the same roster as omitted ones (an empty policy is the default policy).
  json explicit_defaults = ValidRoster();
  explicit_defaults["categories"] = DefaultCategories();
  explicit_defaults["districts"] = DefaultDistricts();
  explicit_defaults["policy"] = json::object();
  EXPECT_EQ(Parse(explicit_defaults)->Digest(), digest);

  std::vector<Roster> variants;
  auto variant = [&](auto change) {
    Roster r = base;
    change(r);
    variants.push_back(r);
  };
  variant([](Roster& r) { r.coordinator.host = "coordinator.locam"; });
  variant([](Roster& r) { r.coordinator.port = 7100; });
  variant([](Roster& r) { r.parties[0].id = "party0"; });
  variant([](Roster& r) { r.parties[1].endpoint.host = "127.0.0.2"; });
  variant([](Roster& r) { r.parties[2].endpoint.port = 7004; });
  variant([](Roster& r) { std::swap(r.parties[0], r.parties[1]); });
  variant([](Roster& r) { r.parties.pop_back(); });
  variant([](Roster& r) { r.parties.push_back({"party4", {"127.0.0.1", 7004}}); });
  variant([](Roster& r) { r.categories.pop_back(); });
  variant([](Roster& r) { std::swap(r.categories[0], r.categories[1]); });
  variant([](Roster& r) { r.categories[7] = "beauty2"; });
  variant([](Roster& r) { r.districts.push_back("airport"); });
  variant([](Roster& r) { r.districts[0] = "Downtown"; });
  // Moving a name between the two lists, or splitting a name, must not collide either.
  variant([](Roster& r) {
    r.districts.insert(r.districts.begin(), r.categories.back());
    r.categories.pop_back();
  });
  variant([](Roster& r) {
    r.categories.back() = "beau";
    r.categories.push_back("ty");
  });

  std::set<std::string> seen = {digest};
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_TRUE(seen.insert(variants[i].Digest()).second) << "variant " << i << " collides";
  }
}

TEST(RosterTest, LoadRosterNamesTheFile) {
  StatusOr<Roster> missing = LoadRoster("/nonexistent-dir/roster.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kBadInput);
  EXPECT_EQ(missing.status().message(),
            "cannot open '/nonexistent-dir/roster.json': No such file or directory");

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("mpcstats_roster_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "good.json").string();
  const std::string bad = (dir / "bad.json").string();
  std::ofstream(good) << ValidRoster().dump(2);
  json j = ValidRoster();
  j["parties"][1]["id"] = "party1";
  std::ofstream(bad) << j.dump(2);

  StatusOr<Roster> roster = LoadRoster(good);
  ASSERT_TRUE(roster.ok()) << roster.status().ToString();
  EXPECT_EQ(roster->Digest(), Parse(ValidRoster())->Digest());

  StatusOr<Roster> failed = LoadRoster(bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Code::kBadInput);
  EXPECT_EQ(failed.status().message(), bad + ": roster: duplicate party id 'party1'");

  StatusOr<Roster> directory = LoadRoster(dir.string());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), Code::kBadInput);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mpcstats::core
