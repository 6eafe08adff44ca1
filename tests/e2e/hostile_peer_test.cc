// Hostile network input against real processes. A test client (HostileClient: plain TCP, or
// mutual TLS 1.3 with a valid certificate of a roster party) connects to a real
// mpcstats-coordinator, or to a real party listening for a later party, and sends bytes no honest
// peer sends: random bytes instead of TLS, oversized and empty length prefixes, truncated frames,
// bodies that are not protobuf, messages of the wrong type, run, sender or sequence number.
//
// Before admission (nothing accepted from that connection yet) the listener refuses the
// connection with a log line carrying the reason code, closes it, keeps listening, and the run
// completes when the real parties come. After admission (an authenticated party that said Hello
// and then sends garbage) the mesh protocols abort the run naming that party, every process exits
// non-zero and nothing is published; secagg (the default) drops that party instead and the run
// goes on while at least T parties are left. Either way: no crash (no signal, no sanitizer
// report), no hang.
//
// Before admission the coordinator behaves the same under every protocol, so those tests run under
// the default; the tests after admission, and those of the parties' own listeners (which only the
// mesh has), are pinned to --protocol seeded, with secagg counterparts after admission.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "proto/mpcstats.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/hostile_client.h"
#include "tests/e2e/run_checks.h"

namespace mpcstats::e2e {
namespace {

using namespace std::chrono_literals;

// A refused connection is closed well within this (only silence waits for a timeout).
constexpr auto kCloseWithin = 3s;

// 256 fixed pseudo-random bytes; the first is 0, which no TLS record type has.
std::string RandomBytes() {
  std::mt19937 rng(20240607);
  std::string bytes(256, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  bytes[0] = '\0';
  return bytes;
}

// A frame whose body is not a protobuf Envelope: 0xFF bytes are a varint that never ends.
std::string GarbageBodyFrame() { return LengthPrefix(16) + std::string(16, '\xff'); }

// The first `keep` bytes of a frame whose header announces more.
std::string Truncated(const std::string& frame, size_t keep) { return frame.substr(0, keep); }

// No process crashed (a signal, or a sanitizer report in its log).
void ExpectNoCrash(Cluster& cluster) {
  for (const std::string& name : cluster.process_names()) {
    std::optional<int> code = cluster.exit_code(name);
    if (code) {
      EXPECT_LT(*code, 128) << name << " died of a signal\n" << cluster.Describe();
    }
    EXPECT_FALSE(ShowsCrash(cluster.Log(name))) << name << " crashed\n" << cluster.Describe();
  }
}

// Every process ends on its own with 0, run.json is published, no listener is left.
void ExpectSuccessfulRun(Cluster& cluster) {
  ASSERT_TRUE(cluster.WaitAll()) << "a process ran past the cap\n" << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    EXPECT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  ExpectNoCrash(cluster);
  EXPECT_TRUE(std::filesystem::exists(cluster.run_json_path())) << cluster.Describe();
  EXPECT_TRUE(cluster.PortsReleased());
}

// The run id a party logged when the run started ("partyN: run <id> started with ...").
std::string RunIdFromLog(const std::string& log) {
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t end = line.find(" started with ");
    const size_t begin = line.rfind(": run ", end);
    if (end != std::string::npos && begin != std::string::npos) return line.substr(begin + 6, end - begin - 6);
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// The coordinator, before admission: refused, logged, closed; the run then goes on.

struct PreAdmissionCase {
  std::string name;
  bool tls = true;         // false: plain TCP, no TLS at all
  std::string bytes;       // sent after connecting (and the TLS handshake, as party1)
  bool half_close = false;  // a FIN after the bytes
  std::string code;        // the reason code of the refusal line
  std::string detail;      // and a piece of its text
};

void PrintTo(const PreAdmissionCase& c, std::ostream* out) { *out << c.name; }

std::vector<PreAdmissionCase> PreAdmissionCases() {
  const std::string hello = Frame(HelloEnvelope("", "party1", 0));
  return {
      {.name = "PlainTcpRandomBytes", .tls = false, .bytes = RandomBytes(), .code = "TLS_FAILED",
       .detail = "TLS handshake failed"},
      {.name = "LengthPrefixOf4GiB", .bytes = LengthPrefix(0xFFFFFFFFu), .code = "FRAME_TOO_LARGE",
       .detail = "4294967295"},
      {.name = "EmptyFrame", .bytes = LengthPrefix(0), .code = "BAD_FRAME", .detail = "empty frame"},
      {.name = "BodyNotProtobuf", .bytes = GarbageBodyFrame(), .code = "BAD_FRAME", .detail = "unparsable"},
      {.name = "PartialSumInsteadOfHello", .bytes = Frame(PartialSumEnvelope("", "party1", 0, 3)),
       .code = "UNEXPECTED_MESSAGE", .detail = "PartialSum"},
      {.name = "HelloWithWrongSender", .bytes = Frame(HelloEnvelope("", "party2", 0)), .code = "IDENTITY_MISMATCH",
       .detail = "Hello claims 'party2'"},
      {.name = "HelloOfAnotherRun", .bytes = Frame(HelloEnvelope("0badc0de", "party1", 0)), .code = "WRONG_RUN",
       .detail = "0badc0de"},
      {.name = "HelloSkippingSequenceNumbers", .bytes = Frame(HelloEnvelope("", "party1", 5)),
       .code = "BAD_FRAME", .detail = "skips ahead"},
      {.name = "TruncatedFrameThenEof", .bytes = Truncated(hello, hello.size() - 3), .half_close = true,
       .code = "PEER_MISSING", .detail = "reading a frame body"},
  };
}

class CoordinatorPreAdmissionTest : public ::testing::TestWithParam<PreAdmissionCase> {};

TEST_P(CoordinatorPreAdmissionTest, RefusedWithReasonAndTheRunGoesOn) {
  const PreAdmissionCase& c = GetParam();
  Cluster cluster({.num_parties = 3});
  cluster.StartCoordinator();
  ASSERT_TRUE(WaitUntilListening(cluster.coordinator_port())) << cluster.Describe();
  {
    HostileClient hostile(cluster.coordinator_port());
    if (c.tls) hostile.StartTls(SharedCerts(), "party1");
    hostile.Send(c.bytes);  // may fail once the coordinator has seen enough: that is fine
    if (c.half_close) hostile.ShutdownSend();
    EXPECT_TRUE(hostile.WaitForClose(kCloseWithin)) << "the coordinator kept the hostile connection open\n"
                                                    << cluster.Describe();
    // Over TLS, the refusal reaches the peer as an Abort with the code (unless the link itself
    // is what failed).
    if (c.tls && c.code != "PEER_MISSING") {
      EXPECT_TRUE(hostile.ReceivedAbort(c.code)) << "no Abort " << c.code << " reached the hostile peer";
    }
  }
  EXPECT_TRUE(WaitForLogLine(cluster, "coordinator", "refused connection", c.code, 2s)) << cluster.Describe();
  EXPECT_TRUE(HasLine(cluster.Log("coordinator"), c.code, c.detail)) << cluster.Describe();
  ASSERT_FALSE(cluster.process("coordinator").Poll().has_value()) << "the coordinator stopped serving\n"
                                                                  << cluster.Describe();

  for (int p = 1; p <= 3; ++p) cluster.StartParty(p);
  ExpectSuccessfulRun(cluster);
}

INSTANTIATE_TEST_SUITE_P(HostileBytes, CoordinatorPreAdmissionTest, ::testing::ValuesIn(PreAdmissionCases()),
                         [](const ::testing::TestParamInfo<PreAdmissionCase>& info) { return info.param.name; });

TEST(HostilePeerTest, TruncatedFrameThenSilenceDoesNotHoldUpTheRun) {
  // A connection with party1's certificate sends half a Hello and then nothing. It is refused only
  // at the handshake timeout, which is also the admission window, so it cannot be watched here;
  // what matters is that the silent connection holds up nobody: the real party1 is admitted next
  // to it and the run completes at once, and the connection ends with the coordinator.
  Cluster cluster({.num_parties = 3});
  cluster.StartCoordinator();
  ASSERT_TRUE(WaitUntilListening(cluster.coordinator_port())) << cluster.Describe();
  HostileClient hostile(cluster.coordinator_port());
  hostile.StartTls(SharedCerts(), "party1");
  const std::string hello = Frame(HelloEnvelope("", "party1", 0));
  ASSERT_TRUE(hostile.Send(Truncated(hello, 6)));

  for (int p = 1; p <= 3; ++p) cluster.StartParty(p);
  ExpectSuccessfulRun(cluster);
  EXPECT_LT(*cluster.process("coordinator").run_time(), std::chrono::seconds(cluster.timeout_seconds()))
      << "the coordinator waited for the silent connection\n"
      << cluster.Describe();
  EXPECT_TRUE(hostile.WaitForClose(1s)) << "the connection outlived the coordinator";
}

// ---------------------------------------------------------------------------------------------
// The coordinator, after admission: party3 is a hostile client that completed its Hello and got
// Start; then it sends something no honest party sends. Under seeded, the run aborts naming
// party3; under secagg party3 is dropped and the others get their sum.

struct PostAdmissionCase {
  std::string name;
  std::function<std::string(const std::string& run_id)> bytes;  // the next thing on the link (seq 1)
  bool half_close = false;
  std::string code;
  std::string detail;
};

void PrintTo(const PostAdmissionCase& c, std::ostream* out) { *out << c.name; }

std::vector<PostAdmissionCase> PostAdmissionCases() {
  return {
      {.name = "ReplayedHello",
       .bytes = [](const std::string&) { return Frame(HelloEnvelope("", "party3", 0)); },
       .code = "DUPLICATE_MESSAGE",
       .detail = "message number 0 repeated"},
      {.name = "LengthPrefixOf4GiB",
       .bytes = [](const std::string&) { return LengthPrefix(0xFFFFFFFFu); },
       .code = "FRAME_TOO_LARGE",
       .detail = "4294967295"},
      {.name = "BodyNotProtobuf",
       .bytes = [](const std::string&) { return GarbageBodyFrame(); },
       .code = "BAD_FRAME",
       .detail = "unparsable"},
      {.name = "HelloInsteadOfPartialSum",
       .bytes = [](const std::string& run) { return Frame(HelloEnvelope(run, "party3", 1)); },
       .code = "UNEXPECTED_MESSAGE",
       .detail = "party3 sent Hello"},
      {.name = "PartialSumOfAnotherRun",
       .bytes = [](const std::string&) { return Frame(PartialSumEnvelope("0badc0de", "party3", 1, 3)); },
       .code = "WRONG_RUN",
       .detail = "0badc0de"},
      {.name = "PartialSumClaimingAnotherSender",
       .bytes = [](const std::string& run) { return Frame(PartialSumEnvelope(run, "party1", 1, 3)); },
       .code = "WRONG_SENDER",
       .detail = "on the link of party3"},
      {.name = "TruncatedFrameThenEof",
       .bytes = [](const std::string& run) { return Truncated(Frame(PartialSumEnvelope(run, "party3", 1, 9)), 20); },
       .half_close = true,
       .code = "PEER_MISSING",
       .detail = "reading a frame body"},
  };
}

// Starts the coordinator and admits a hostile client as party3 (TLS with party3's certificate,
// Hello, HelloAck); nullptr, with the failure recorded, if it was not admitted.
std::unique_ptr<HostileClient> AdmitHostileParty3(Cluster& cluster) {
  cluster.StartCoordinator();
  if (!WaitUntilListening(cluster.coordinator_port())) {
    ADD_FAILURE() << "the coordinator does not listen\n" << cluster.Describe();
    return nullptr;
  }
  auto hostile = std::make_unique<HostileClient>(cluster.coordinator_port());
  hostile->StartTls(SharedCerts(), "party3");
  std::optional<wire::Envelope> ack;
  if (hostile->Send(Frame(HelloEnvelope("", "party3", 0)))) ack = hostile->Receive(kCloseWithin);
  if (!ack || !ack->has_hello_ack()) {
    ADD_FAILURE() << "party3 was not admitted\n" << cluster.Describe();
    return nullptr;
  }
  return hostile;
}

class CoordinatorPostAdmissionTest : public ::testing::TestWithParam<PostAdmissionCase> {};

TEST_P(CoordinatorPostAdmissionTest, AbortsTheRunNamingTheParty) {
  const PostAdmissionCase& c = GetParam();
  // The mesh's rule: any party's failure is the run's. (Secagg: SecAggPostAdmissionTest.)
  Cluster cluster({.num_parties = 3, .protocol = "seeded"});
  std::unique_ptr<HostileClient> admitted = AdmitHostileParty3(cluster);
  ASSERT_TRUE(admitted);
  HostileClient& hostile = *admitted;

  cluster.StartParty(1);
  cluster.StartParty(2);
  std::optional<wire::Envelope> start = hostile.Receive(std::chrono::seconds(cluster.timeout_seconds()));
  ASSERT_TRUE(start && start->has_start()) << "no Start\n" << cluster.Describe();
  hostile.Send(c.bytes(start->run_id()));
  if (c.half_close) hostile.ShutdownSend();
  EXPECT_TRUE(hostile.WaitForClose(kCloseWithin)) << "the coordinator kept the link open\n" << cluster.Describe();
  if (c.code != "PEER_MISSING") {
    EXPECT_TRUE(hostile.ReceivedAbort(c.code)) << "no Abort " << c.code << " reached party3";
  }

  ExpectFailedRun(cluster);
  const std::string coordinator_log = cluster.Log("coordinator");
  EXPECT_TRUE(HasLine(coordinator_log, c.code, "party3")) << cluster.Describe();
  EXPECT_TRUE(HasLine(coordinator_log, c.code, c.detail)) << cluster.Describe();
  for (const char* name : {"party1", "party2"}) {
    EXPECT_EQ(cluster.exit_code(name), 1) << name;
    EXPECT_TRUE(HasLine(cluster.Log(name), c.code, "party3")) << name << " does not name party3\n"
                                                              << cluster.Describe();
  }
}

INSTANTIATE_TEST_SUITE_P(HostileBytes, CoordinatorPostAdmissionTest, ::testing::ValuesIn(PostAdmissionCases()),
                         [](const ::testing::TestParamInfo<PostAdmissionCase>& info) { return info.param.name; });

// The same hostile party3 under secagg, with 4 parties (T = 3): the coordinator refuses it with
// the same reason, tells it why (unless its link is gone), drops it before its keys, and the three
// honest parties finish with the exact sum over themselves, each with the result. Whether the
// round, the envelope checks or the link refused the bytes, the refusal costs party3 its place,
// never the run.
class SecAggPostAdmissionTest : public ::testing::TestWithParam<PostAdmissionCase> {};

TEST_P(SecAggPostAdmissionTest, DropsThePartyAndTheOthersGetTheExactSum) {
  const PostAdmissionCase& c = GetParam();
  Cluster cluster({.num_parties = 4, .protocol = "secagg", .party_endpoints = false});
  std::unique_ptr<HostileClient> admitted = AdmitHostileParty3(cluster);
  ASSERT_TRUE(admitted);
  HostileClient& hostile = *admitted;

  for (int p : {1, 2, 4}) cluster.StartParty(p);
  std::optional<wire::Envelope> start = hostile.Receive(std::chrono::seconds(cluster.timeout_seconds()));
  ASSERT_TRUE(start && start->has_start()) << "no Start\n" << cluster.Describe();
  hostile.Send(c.bytes(start->run_id()));
  if (c.half_close) hostile.ShutdownSend();
  EXPECT_TRUE(hostile.WaitForClose(kCloseWithin)) << "the coordinator kept the link open\n" << cluster.Describe();
  if (c.code != "PEER_MISSING") {
    EXPECT_TRUE(hostile.ReceivedAbort(c.code)) << "no Abort " << c.code << " reached party3";
  }

  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    EXPECT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  ExpectNoCrash(cluster);
  const std::string coordinator_log = cluster.Log("coordinator");
  EXPECT_TRUE(HasLine(coordinator_log, c.code, "party3")) << cluster.Describe();
  EXPECT_TRUE(HasLine(coordinator_log, c.code, c.detail)) << cluster.Describe();
  std::optional<nlohmann::json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  EXPECT_EQ((*run)["dropped_parties"], (nlohmann::json{{"party3", "advertise_keys"}}));
  EXPECT_EQ((*run)["included_parties"], (nlohmann::json{"party1", "party2", "party4"}));
  // Exact over the honest parties' own local results.
  uint64_t users = 0;
  std::map<std::string, uint64_t> visits;
  for (int p : {1, 2, 4}) {
    std::optional<nlohmann::json> local = cluster.LocalJson(p);
    ASSERT_TRUE(local.has_value()) << p;
    users += (*local)["users"].get<uint64_t>();
    for (const std::string& category : DefaultCategories()) visits[category] += (*local)["visits"][category].get<uint64_t>();
    EXPECT_TRUE(std::filesystem::exists(cluster.out_dir(Cluster::PartyId(p)) / "result.json")) << p;
  }
  EXPECT_EQ((*run)["total_users"].get<uint64_t>(), users);
  for (const auto& [category, count] : visits) {
    EXPECT_EQ((*run)["total_visits"][category].get<uint64_t>(), count) << category;
  }
  EXPECT_TRUE(cluster.PortsReleased());
}

INSTANTIATE_TEST_SUITE_P(HostileBytes, SecAggPostAdmissionTest, ::testing::ValuesIn(PostAdmissionCases()),
                         [](const ::testing::TestParamInfo<PostAdmissionCase>& info) { return info.param.name; });

TEST(HostilePeerTest, AdmittedPartyThatStallsMidFrameTimesOut) {
  // party2 is hostile but plays along: Hello to the coordinator, Hello and a valid seed to party1,
  // so that party1 finishes its part. Then it sends the first bytes of its partial sum and stops.
  // The coordinator gives up one timeout after party1's partial sum began (party2's own has not),
  // naming party2; party1, waiting for the verdict, gets the Abort. Seeds and partial sums are
  // the mesh's: pinned to seeded.
  Cluster cluster({.num_parties = 2, .timeout_seconds = 3, .protocol = "seeded"});
  cluster.StartCoordinator();
  ASSERT_TRUE(WaitUntilListening(cluster.coordinator_port())) << cluster.Describe();
  HostileClient coordinator_link(cluster.coordinator_port());
  coordinator_link.StartTls(SharedCerts(), "party2");
  ASSERT_TRUE(coordinator_link.Send(Frame(HelloEnvelope("", "party2", 0))));
  std::optional<wire::Envelope> ack = coordinator_link.Receive(kCloseWithin);
  ASSERT_TRUE(ack && ack->has_hello_ack()) << cluster.Describe();
  cluster.StartParty(1);
  std::optional<wire::Envelope> start = coordinator_link.Receive(std::chrono::seconds(cluster.timeout_seconds()));
  ASSERT_TRUE(start && start->has_start()) << cluster.Describe();
  const std::string run_id = start->run_id();

  ASSERT_TRUE(WaitUntilListening(cluster.party_port(1))) << cluster.Describe();
  HostileClient peer_link(cluster.party_port(1));
  peer_link.StartTls(SharedCerts(), "party2");
  ASSERT_TRUE(peer_link.Send(Frame(HelloEnvelope(run_id, "party2", 0))));
  std::optional<wire::Envelope> peer_ack = peer_link.Receive(kCloseWithin);
  ASSERT_TRUE(peer_ack && peer_ack->has_hello_ack()) << cluster.Describe();
  wire::Envelope seed;
  seed.set_run_id(run_id);
  seed.set_sender("party2");
  seed.set_seq(1);
  seed.mutable_seed_share()->set_key(std::string(16, '\x5a'));
  ASSERT_TRUE(peer_link.Send(Frame(seed)));
  ASSERT_TRUE(WaitForLogLine(cluster, "party1", "partial sum sent", "", 3s)) << cluster.Describe();

  ASSERT_TRUE(coordinator_link.Send(Truncated(Frame(PartialSumEnvelope(run_id, "party2", 1, 9)), 20)));
  const auto stalled_at = std::chrono::steady_clock::now();
  const auto coordinator_wait = std::chrono::seconds(cluster.timeout_seconds());
  EXPECT_TRUE(coordinator_link.WaitForClose(coordinator_wait + 3s)) << cluster.Describe();
  EXPECT_LE(std::chrono::steady_clock::now() - stalled_at, coordinator_wait + 3s);

  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const char* name : {"coordinator", "party1"}) {
    EXPECT_EQ(cluster.exit_code(name), 1) << name << "\n" << cluster.Describe();
  }
  ExpectNoCrash(cluster);
  // Caught by the frame read's own deadline on party2's link, which names the stalled frame.
  EXPECT_TRUE(HasLine(cluster.Log("coordinator"), "TIMEOUT", "party2: reading a frame body did not complete"))
      << cluster.Describe();
  EXPECT_TRUE(HasLine(cluster.Log("party1"), "TIMEOUT", "party2")) << cluster.Describe();
  EXPECT_FALSE(std::filesystem::exists(cluster.run_json_path()));
  EXPECT_TRUE(cluster.PortsReleased());
}

// ---------------------------------------------------------------------------------------------
// The peer link: party1 and party2 listen for the later party3, which is frozen (SIGSTOP) after
// it joined the coordinator, so the hostile client reaches their listeners first. (party4 comes
// after the freeze, so that the run cannot be over before it.) Only the mesh has peer links:
// these runs are pinned to seeded.

// Starts a 4-party run with party3 frozen; returns the run id once party1 and party2 listen.
std::string StartRunWithFrozenParty3(Cluster& cluster) {
  cluster.StartCoordinator();
  for (int p = 1; p <= 3; ++p) cluster.StartParty(p);
  WaitConnectedToCoordinator(cluster, "party3");
  if (::testing::Test::HasFatalFailure()) return "";
  cluster.process("party3").Kill(SIGSTOP);
  cluster.StartParty(4);
  EXPECT_TRUE(WaitForLogLine(cluster, "party1", " started with ", "", 3s)) << cluster.Describe();
  EXPECT_TRUE(WaitUntilListening(cluster.party_port(1))) << cluster.Describe();
  EXPECT_TRUE(WaitUntilListening(cluster.party_port(2))) << cluster.Describe();
  return RunIdFromLog(cluster.Log("party1"));
}

TEST(HostilePeerTest, PeerListenerRefusesGarbageAndTheRunGoesOn) {
  Cluster cluster({.num_parties = 4, .protocol = "seeded"});
  const std::string run_id = StartRunWithFrozenParty3(cluster);
  if (HasFatalFailure()) return;
  ASSERT_FALSE(run_id.empty()) << cluster.Describe();
  {
    // A 4 GiB length prefix to party1 (with party3's certificate).
    HostileClient hostile(cluster.party_port(1));
    hostile.StartTls(SharedCerts(), "party3");
    hostile.Send(LengthPrefix(0xFFFFFFFFu));
    EXPECT_TRUE(hostile.WaitForClose(kCloseWithin)) << cluster.Describe();
  }
  {
    // A Hello of another run to party2.
    HostileClient hostile(cluster.party_port(2));
    hostile.StartTls(SharedCerts(), "party3");
    hostile.Send(Frame(HelloEnvelope("0badc0de", "party3", 0)));
    EXPECT_TRUE(hostile.WaitForClose(kCloseWithin)) << cluster.Describe();
    EXPECT_TRUE(hostile.ReceivedAbort("WRONG_RUN"));
  }
  {
    // Plain TCP to party2.
    HostileClient hostile(cluster.party_port(2));
    hostile.Send(RandomBytes());
    EXPECT_TRUE(hostile.WaitForClose(kCloseWithin)) << cluster.Describe();
  }
  EXPECT_TRUE(WaitForLogLine(cluster, "party1", "refused connection", "FRAME_TOO_LARGE", 2s)) << cluster.Describe();
  EXPECT_TRUE(WaitForLogLine(cluster, "party2", "refused connection", "WRONG_RUN", 2s)) << cluster.Describe();
  EXPECT_TRUE(WaitForLogLine(cluster, "party2", "refused connection", "TLS_FAILED", 2s)) << cluster.Describe();

  // The real party3 wakes up and the run completes.
  cluster.process("party3").Kill(SIGCONT);
  ExpectSuccessfulRun(cluster);
}

TEST(HostilePeerTest, AdmittedPeerSendingGarbageAbortsTheRun) {
  // The hostile client passes party1's checks as party3 (certificate, Hello with the run id),
  // then sends a 4 GiB length prefix where party3's seed should be.
  Cluster cluster({.num_parties = 4, .protocol = "seeded"});
  const std::string run_id = StartRunWithFrozenParty3(cluster);
  if (HasFatalFailure()) return;
  ASSERT_FALSE(run_id.empty()) << cluster.Describe();
  HostileClient hostile(cluster.party_port(1));
  hostile.StartTls(SharedCerts(), "party3");
  ASSERT_TRUE(hostile.Send(Frame(HelloEnvelope(run_id, "party3", 0))));
  std::optional<wire::Envelope> ack = hostile.Receive(kCloseWithin);
  ASSERT_TRUE(ack && ack->has_hello_ack()) << cluster.Describe();
  hostile.Send(LengthPrefix(0xFFFFFFFFu));
  EXPECT_TRUE(hostile.WaitForClose(kCloseWithin)) << cluster.Describe();
  EXPECT_TRUE(hostile.ReceivedAbort("FRAME_TOO_LARGE"));

  // The real party3 wakes up to the abort.
  EXPECT_TRUE(WaitForLogLine(cluster, "coordinator", "aborting run", "party3", 3s)) << cluster.Describe();
  cluster.process("party3").Kill(SIGCONT);
  ExpectFailedRun(cluster);
  EXPECT_TRUE(HasLine(cluster.Log("party1"), "FRAME_TOO_LARGE", "party3")) << cluster.Describe();
  for (const char* name : {"coordinator", "party2", "party4"}) {
    EXPECT_TRUE(HasLine(cluster.Log(name), "FRAME_TOO_LARGE", "party3")) << name << "\n" << cluster.Describe();
  }
}

}  // namespace
}  // namespace mpcstats::e2e
