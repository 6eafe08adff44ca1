// CheckEnvelope, SequenceChecker and the sanitizing of peer-provided text.
#include <gtest/gtest.h>

#include <string>

#include "common/core/messages.h"

namespace mpcstats::core {
namespace {

constexpr std::string_view kRun = "run-7f3a";

wire::Envelope SharesFrom(std::string_view run, std::string_view sender) {
  wire::Envelope message = MakeEnvelope(run, sender);
  message.mutable_shares()->add_values(1);
  return message;
}

// True if every character is printable ASCII (what one log line may contain).
bool Printable(const std::string& text) {
  for (char c : text) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

TEST(CheckEnvelopeTest, AcceptsTheExpectedMessage) {
  const Status s = CheckEnvelope(SharesFrom(kRun, "party2"), kRun, "party2", {wire::Envelope::kShares});
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(CheckEnvelope(SharesFrom(kRun, "party2"), kRun, "party2",
                            {wire::Envelope::kHello, wire::Envelope::kShares, wire::Envelope::kDone})
                  .ok());
}

TEST(CheckEnvelopeTest, WrongRunIdIsWrongRun) {
  for (std::string_view run : {std::string_view("run-other"), std::string_view(""), std::string_view("run-7f3a ")}) {
    const Status s = CheckEnvelope(SharesFrom(run, "party2"), kRun, "party2", {wire::Envelope::kShares});
    EXPECT_EQ(s.code(), Code::kWrongRun) << s.ToString();
  }
}

TEST(CheckEnvelopeTest, WrongSenderIsWrongSender) {
  for (std::string_view sender : {std::string_view("party3"), std::string_view(""), std::string_view("coordinator"),
                                  std::string_view("party2\n")}) {
    const Status s = CheckEnvelope(SharesFrom(kRun, sender), kRun, "party2", {wire::Envelope::kShares});
    EXPECT_EQ(s.code(), Code::kWrongSender) << s.ToString();
    EXPECT_TRUE(Printable(s.message())) << s.message();
  }
}

TEST(CheckEnvelopeTest, DisallowedBodyIsUnexpectedMessage) {
  wire::Envelope start = MakeEnvelope(kRun, "coordinator");
  start.mutable_start()->set_num_parties(3);
  Status s = CheckEnvelope(start, kRun, "coordinator", {wire::Envelope::kDone});
  EXPECT_EQ(s.code(), Code::kUnexpectedMessage) << s.ToString();
  EXPECT_NE(s.message().find("Start"), std::string::npos) << s.message();

  // An empty allowed list refuses everything, including a message without a body.
  s = CheckEnvelope(MakeEnvelope(kRun, "coordinator"), kRun, "coordinator", {});
  EXPECT_EQ(s.code(), Code::kUnexpectedMessage) << s.ToString();
  s = CheckEnvelope(MakeHello(kRun, "party1"), kRun, "party1", {wire::Envelope::kShares});
  EXPECT_EQ(s.code(), Code::kUnexpectedMessage) << s.ToString();
}

TEST(CheckEnvelopeTest, AbortBecomesAbortedWithThePeersReasonCode) {
  const wire::Envelope abort = MakeAbort(kRun, "party3", Status(Code::kPeerMissing, "party1 did not connect"));
  EXPECT_EQ(abort.abort().code(), wire::REASON_PEER_MISSING);
  // Abort is accepted whatever the allowed list says: the run is over either way.
  const Status s = CheckEnvelope(abort, kRun, "party3", {wire::Envelope::kShares});
  EXPECT_EQ(s.code(), Code::kAborted);
  EXPECT_NE(s.message().find("PEER_MISSING"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("party3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("party1 did not connect"), std::string::npos) << s.message();
}

TEST(CheckEnvelopeTest, AbortFromAnImpostorIsWrongSender) {
  const wire::Envelope abort = MakeAbort(kRun, "party1", Status(Code::kTimeout, "x"));
  EXPECT_EQ(CheckEnvelope(abort, kRun, "party3", {}).code(), Code::kWrongSender);
}

TEST(CheckEnvelopeTest, AbortDetailFromThePeerIsSanitized) {
  wire::Envelope abort = MakeEnvelope(kRun, "party3");
  const std::string canary = "CANARY" + std::string(5000, 'Z');
  abort.mutable_abort()->set_code(static_cast<wire::ReasonCode>(987654));  // proto3 enums are open
  std::string detail = "line1\nFAKE LOG LINE\r\x1b[2J\x07";
  detail += '\0';
  detail += "\xff" + canary;
  abort.mutable_abort()->set_detail(detail);
  const Status s = CheckEnvelope(abort, kRun, "party3", {});
  EXPECT_EQ(s.code(), Code::kAborted);
  EXPECT_TRUE(Printable(s.message())) << s.message();
  EXPECT_LT(s.message().size(), 400u);
  EXPECT_EQ(s.message().find(canary), std::string::npos);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  // An unknown code from the peer is not guessed at: INTERNAL, naming the number.
  EXPECT_NE(s.message().find("INTERNAL"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("987654"), std::string::npos) << s.message();
}

TEST(CheckEnvelopeTest, LongRunIdAndSenderAreTruncatedInMessages) {
  const std::string long_text(10000, 'q');
  Status s = CheckEnvelope(SharesFrom(long_text, "party2"), kRun, "party2", {wire::Envelope::kShares});
  EXPECT_EQ(s.code(), Code::kWrongRun);
  EXPECT_LT(s.message().size(), 300u);
  s = CheckEnvelope(SharesFrom(kRun, long_text + "\n"), kRun, "party2", {wire::Envelope::kShares});
  EXPECT_EQ(s.code(), Code::kWrongSender);
  EXPECT_LT(s.message().size(), 300u);
  EXPECT_TRUE(Printable(s.message()));
}

TEST(MakeAbortTest, OwnDetailIsSanitizedAndBounded) {
  const wire::Envelope abort =
      MakeAbort(kRun, "coordinator", Status(Code::kCheckFailed, "bad\nthing\t" + std::string(2000, 'x')));
  EXPECT_EQ(abort.run_id(), kRun);
  EXPECT_EQ(abort.sender(), "coordinator");
  EXPECT_EQ(abort.abort().code(), wire::REASON_CHECK_FAILED);
  EXPECT_TRUE(Printable(abort.abort().detail()));
  EXPECT_LE(abort.abort().detail().size(), 503u);
}

TEST(SanitizeForLogTest, ReplacesControlAndNonAsciiAndTruncates) {
  EXPECT_EQ(SanitizeForLog("plain text"), "plain text");
  EXPECT_EQ(SanitizeForLog("a\nb\tc\x7f\xc3\xa9"), "a?b?c???");
  EXPECT_EQ(SanitizeForLog(std::string_view("\0x", 2)), "?x");
  EXPECT_EQ(SanitizeForLog("abcdef", 3), "abc...");
  EXPECT_EQ(SanitizeForLog("abc", 3), "abc");
  EXPECT_EQ(SanitizeForLog(""), "");
}

TEST(SequenceCheckerTest, AcceptsConsecutiveNumbersFromZero) {
  SequenceChecker seq;
  for (uint64_t i = 0; i < 100; ++i) ASSERT_TRUE(seq.Accept(i).ok()) << i;
}

TEST(SequenceCheckerTest, ReplayIsDuplicateMessage) {
  SequenceChecker seq;
  ASSERT_TRUE(seq.Accept(0).ok());
  ASSERT_TRUE(seq.Accept(1).ok());
  EXPECT_EQ(seq.Accept(1).code(), Code::kDuplicateMessage);
  EXPECT_EQ(seq.Accept(0).code(), Code::kDuplicateMessage);
  // A refused number does not move the expectation.
  EXPECT_TRUE(seq.Accept(2).ok());
}

TEST(SequenceCheckerTest, GapIsBadFrame) {
  SequenceChecker seq;
  EXPECT_EQ(seq.Accept(1).code(), Code::kBadFrame);
  EXPECT_TRUE(seq.Accept(0).ok());
  EXPECT_EQ(seq.Accept(5).code(), Code::kBadFrame);
  EXPECT_EQ(seq.Accept(~uint64_t{0}).code(), Code::kBadFrame);
  EXPECT_TRUE(seq.Accept(1).ok());
}

TEST(BodyNameTest, NamesEveryBody) {
  EXPECT_EQ(BodyName(wire::Envelope::kHello), "Hello");
  EXPECT_EQ(BodyName(wire::Envelope::kAbort), "Abort");
  EXPECT_EQ(BodyName(wire::Envelope::BODY_NOT_SET), "(empty)");
  const auto* oneof = wire::Envelope::descriptor()->FindOneofByName("body");
  ASSERT_NE(oneof, nullptr);
  for (int i = 0; i < oneof->field_count(); ++i) {
    const auto body = static_cast<BodyCase>(oneof->field(i)->number());
    EXPECT_NE(BodyName(body), "(unknown)") << oneof->field(i)->name();
  }
}


// ---- the wire's enums -------------------------------------------------------------------------

TEST(WireEnumTest, EveryKindAndCodeRoundTripsAndNamesAgree) {
  for (ProtocolKind kind : {ProtocolKind::kFull, ProtocolKind::kSeeded}) {
    const auto back = ProtocolFromWire(ProtocolToWire(kind));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, kind);
  }
  for (WorkloadKind kind : {WorkloadKind::kQuery, WorkloadKind::kVector}) {
    const auto back = WorkloadFromWire(WorkloadToWire(kind));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, kind);
  }
  // Every code but OK, and the proto's name is the core's with a REASON_ prefix.
  for (int c = static_cast<int>(Code::kUsage); c <= static_cast<int>(Code::kInternal); ++c) {
    const Code code = static_cast<Code>(c);
    const auto back = CodeFromWire(CodeToWire(code));
    ASSERT_TRUE(back.ok()) << CodeName(code);
    EXPECT_EQ(*back, code);
    EXPECT_EQ(wire::ReasonCode_Name(CodeToWire(code)), "REASON_" + std::string(CodeName(code)));
  }
}

TEST(WireEnumTest, UnsetAndUnknownValuesAreRefused) {
  EXPECT_EQ(ProtocolFromWire(wire::PROTOCOL_UNSPECIFIED).status().code(), Code::kBadInput);
  EXPECT_EQ(ProtocolFromWire(-1).status().code(), Code::kBadInput);
  EXPECT_EQ(WorkloadFromWire(wire::WORKLOAD_UNSPECIFIED).status().code(), Code::kBadInput);
  EXPECT_EQ(WorkloadFromWire(3).status().code(), Code::kBadInput);
  EXPECT_EQ(CodeFromWire(wire::REASON_UNSPECIFIED).status().code(), Code::kBadInput);
  const auto unknown = CodeFromWire(24);
  EXPECT_EQ(unknown.status().code(), Code::kBadInput);
  EXPECT_NE(unknown.status().message().find("Abort.code 24"), std::string::npos) << unknown.status().message();
  // Secure aggregation maps both ways.
  const auto secagg = ProtocolFromWire(wire::PROTOCOL_SECAGG);
  ASSERT_TRUE(secagg.ok()) << secagg.status().ToString();
  EXPECT_EQ(*secagg, ProtocolKind::kSecAgg);
  EXPECT_EQ(ProtocolToWire(ProtocolKind::kSecAgg), wire::PROTOCOL_SECAGG);
}

// The exact bytes: field 8 (protocol) and 9 (workload) of Start, field 3 (code) of Abort, varints.
TEST(WireEnumTest, StartAndAbortEncodeTheirEnumsAsTheseBytes) {
  wire::Start start;
  start.set_protocol(wire::PROTOCOL_SEEDED);
  start.set_workload(wire::WORKLOAD_VECTOR);
  EXPECT_EQ(start.SerializeAsString(), std::string("\x40\x02\x48\x02", 4));
  wire::Abort abort;
  abort.set_code(wire::REASON_PEER_MISSING);
  EXPECT_EQ(abort.SerializeAsString(), std::string("\x18\x03", 2));
  EXPECT_EQ(static_cast<int>(wire::PROTOCOL_SECAGG), 3);
}

}  // namespace
}  // namespace mpcstats::core
