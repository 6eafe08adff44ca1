// Frames: 4-byte big-endian length + serialized Envelope. Round trips of every body type, and
// hostile input: bad lengths refused before any allocation, truncation, garbage, single-byte flips.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/core/frame_codec.h"
#include "common/core/messages.h"
#include "tests/support/frame_decoder.h"

namespace mpcstats::core {
namespace {

using google::protobuf::util::MessageDifferencer;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Header(uint32_t length) {
  std::string h(4, '\0');
  h[0] = static_cast<char>(length >> 24);
  h[1] = static_cast<char>(length >> 16);
  h[2] = static_cast<char>(length >> 8);
  h[3] = static_cast<char>(length);
  return h;
}

// One Envelope per field of the `body` oneof, found by reflection so that a body type added to
// the .proto is covered without editing this test. Common bodies carry realistic content.
std::vector<wire::Envelope> EveryBodyType() {
  std::vector<wire::Envelope> out;
  const auto* descriptor = wire::Envelope::descriptor();
  const auto* oneof = descriptor->FindOneofByName("body");
  EXPECT_NE(oneof, nullptr);
  if (oneof == nullptr) return out;
  for (int i = 0; i < oneof->field_count(); ++i) {
    wire::Envelope message = MakeEnvelope("run-42", "party2");
    message.set_seq(static_cast<uint64_t>(i) + 7);
    message.GetReflection()->MutableMessage(&message, oneof->field(i));
    switch (message.body_case()) {
      case wire::Envelope::kHello:
        message.mutable_hello()->set_protocol_version(kProtocolVersion);
        break;
      case wire::Envelope::kStart:
        message.mutable_start()->set_num_parties(3);
        message.mutable_start()->set_roster_digest(std::string(64, 'a'));
        message.mutable_start()->set_vector_length(12);
        message.mutable_start()->set_protocol(wire::PROTOCOL_FULL);
        message.mutable_start()->set_workload(wire::WORKLOAD_VECTOR);
        break;
      case wire::Envelope::kShares:
        for (uint64_t v : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}, uint64_t{1} << 63}) {
          message.mutable_shares()->add_values(v);
        }
        break;
      case wire::Envelope::kPartialSum:
        for (uint64_t v = 0; v < 100; ++v) message.mutable_partial_sum()->add_values(v * 0x9e3779b97f4a7c15ULL);
        break;
      case wire::Envelope::kMetrics:
        message.mutable_metrics()->set_wire_bytes_sent(123456);
        message.mutable_metrics()->set_payload_bytes_received(99);
        (*message.mutable_metrics()->mutable_phase_seconds())["share"] = 0.25;
        (*message.mutable_metrics()->mutable_link_wire_bytes_sent())["party1"] = 77;
        break;
      case wire::Envelope::kAbort:
        message.mutable_abort()->set_code(wire::REASON_PEER_MISSING);
        message.mutable_abort()->set_detail("party3 did not connect");
        break;
      default:
        break;  // empty bodies (HelloAck, Done, ...) still serialize their tag
    }
    EXPECT_NE(message.body_case(), wire::Envelope::BODY_NOT_SET);
    out.push_back(std::move(message));
  }
  EXPECT_GE(out.size(), 8u);
  return out;
}

std::string Frame(const wire::Envelope& message) {
  std::string frame;
  const Status s = AppendFrame(message, kDefaultMaxFrameBytes, &frame);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return frame;
}

// Drains a decoder: every message until it needs more bytes or fails.
struct Drained {
  std::vector<wire::Envelope> messages;
  Status error;
};
Drained Drain(FrameDecoder& decoder) {
  Drained out;
  while (true) {
    auto next = decoder.Next();
    if (!next.ok()) {
      out.error = next.status();
      return out;
    }
    if (!next->has_value()) return out;
    out.messages.push_back(std::move(**next));
  }
}

TEST(FrameCodecTest, EveryBodyTypeRoundTripsInOneGo) {
  for (const auto& message : EveryBodyType()) {
    const std::string frame = Frame(message);
    ASSERT_EQ(frame.size(), kFrameHeaderBytes + message.ByteSizeLong());
    FrameDecoder decoder;
    decoder.Feed(Bytes(frame));
    Drained d = Drain(decoder);
    ASSERT_TRUE(d.error.ok()) << BodyName(message.body_case()) << ": " << d.error.ToString();
    ASSERT_EQ(d.messages.size(), 1u) << BodyName(message.body_case());
    EXPECT_TRUE(MessageDifferencer::Equals(d.messages[0], message)) << BodyName(message.body_case());
    EXPECT_EQ(decoder.buffered(), 0u);
  }
}

TEST(FrameCodecTest, EveryBodyTypeRoundTripsByteByByte) {
  const auto messages = EveryBodyType();
  std::string stream;
  for (const auto& message : messages) stream += Frame(message);
  FrameDecoder decoder;
  std::vector<wire::Envelope> decoded;
  for (size_t i = 0; i < stream.size(); ++i) {
    decoder.Feed(Bytes(stream).subspan(i, 1));
    Drained d = Drain(decoder);
    ASSERT_TRUE(d.error.ok()) << "at byte " << i << ": " << d.error.ToString();
    ASSERT_LE(d.messages.size(), 1u);
    for (auto& m : d.messages) decoded.push_back(std::move(m));
  }
  ASSERT_EQ(decoded.size(), messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(decoded[i], messages[i])) << BodyName(messages[i].body_case());
  }
  EXPECT_EQ(decoder.buffered(), 0u);
}

// A shared envelope framed for several links: every body type, at sequence numbers of one and
// of several varint bytes (and 0, which protobuf does not write), decodes to the envelope with
// that link's seq, and the frame is exactly as long as AppendFrame's; the prefix bound holds.
TEST(FrameCodecTest, SharedEnvelopeFramesDecodeToTheEnvelopeWithEachLinksSeq) {
  for (const auto& original : EveryBodyType()) {
    const SharedEnvelope shared(original);  // original has a seq: the shared bytes must not
    EXPECT_EQ(shared.body_case, original.body_case());
    for (const uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{300}, uint64_t{1} << 40, ~uint64_t{0}}) {
      std::string frame;
      ASSERT_TRUE(AppendSharedFramePrefix(shared, seq, kDefaultMaxFrameBytes, &frame).ok());
      frame += shared.bytes;
      wire::Envelope expected = original;
      expected.set_seq(seq);
      ASSERT_EQ(frame.size(), Frame(expected).size()) << BodyName(original.body_case()) << " seq " << seq;
      FrameDecoder decoder;
      decoder.Feed(Bytes(frame));
      Drained d = Drain(decoder);
      ASSERT_TRUE(d.error.ok()) << BodyName(original.body_case()) << ": " << d.error.ToString();
      ASSERT_EQ(d.messages.size(), 1u);
      EXPECT_TRUE(MessageDifferencer::Equals(d.messages[0], expected)) << BodyName(original.body_case()) << " seq " << seq;
    }
  }
  wire::Envelope big = MakeEnvelope("r", "party1");
  for (int i = 0; i < 100; ++i) big.mutable_shares()->add_values(i);
  const SharedEnvelope shared(big);
  std::string out;
  EXPECT_EQ(AppendSharedFramePrefix(SharedEnvelope(wire::Envelope()), 5, kDefaultMaxFrameBytes, &out).code(),
            Code::kInternal);  // nothing to send, as AppendFrame refuses an empty message
  EXPECT_EQ(AppendSharedFramePrefix(shared, 5, 64, &out).code(), Code::kInternal);
  EXPECT_TRUE(AppendSharedFramePrefix(shared, 5, static_cast<uint32_t>(shared.bytes.size() + 2), &out).ok());
  EXPECT_EQ(AppendSharedFramePrefix(shared, 300, static_cast<uint32_t>(shared.bytes.size() + 2), &out).code(),
            Code::kInternal);  // seq 300 takes a 3-byte field
}

TEST(FrameCodecTest, AppendFrameWritesBigEndianLengthAndAppends) {
  wire::Envelope message = MakeHello("r", "party1");
  std::string out = "xy";
  ASSERT_TRUE(AppendFrame(message, kDefaultMaxFrameBytes, &out).ok());
  ASSERT_EQ(out.size(), 2 + 4 + message.ByteSizeLong());
  EXPECT_EQ(out.substr(0, 2), "xy");
  EXPECT_EQ(out.substr(2, 4), Header(static_cast<uint32_t>(message.ByteSizeLong())));
  EXPECT_EQ(out.substr(6), message.SerializeAsString());
}

TEST(FrameCodecTest, AppendFrameRefusesEmptyAndOversizedMessages) {
  std::string out;
  EXPECT_EQ(AppendFrame(wire::Envelope(), kDefaultMaxFrameBytes, &out).code(), Code::kInternal);
  wire::Envelope big = MakeEnvelope("r", "party1");
  for (int i = 0; i < 100; ++i) big.mutable_shares()->add_values(i);
  EXPECT_EQ(AppendFrame(big, 64, &out).code(), Code::kInternal);
  EXPECT_TRUE(AppendFrame(big, static_cast<uint32_t>(big.ByteSizeLong()), &out).ok());
}

TEST(FrameCodecTest, ZeroLengthIsBadFrame) {
  FrameDecoder decoder;
  decoder.Feed(Bytes(Header(0)));
  auto next = decoder.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), Code::kBadFrame);
  // The decoder stays failed, even when a valid frame follows.
  decoder.Feed(Bytes(Frame(MakeHello("r", "party1"))));
  next = decoder.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), Code::kBadFrame);
}

TEST(FrameCodecTest, HugeLengthsAreRefusedBeforeAllocation) {
  for (uint32_t length : {0xFFFFFFFFu, 0x80000000u, kDefaultMaxFrameBytes + 1}) {
    FrameDecoder decoder;
    decoder.Feed(Bytes(Header(length)));
    auto next = decoder.Next();
    ASSERT_FALSE(next.ok()) << length;
    EXPECT_EQ(next.status().code(), Code::kFrameTooLarge) << length;
    EXPECT_LE(decoder.buffered(), kFrameHeaderBytes);
    // Whatever the peer sends next is not kept: memory does not grow.
    const std::string flood(1 << 20, 'A');
    for (int i = 0; i < 8; ++i) decoder.Feed(Bytes(flood));
    EXPECT_LE(decoder.buffered(), kFrameHeaderBytes) << length;
    next = decoder.Next();
    ASSERT_FALSE(next.ok());
    EXPECT_EQ(next.status().code(), Code::kFrameTooLarge);
  }
  // DecodeFrameLength itself, at the exact boundary.
  const std::string at_limit = Header(kDefaultMaxFrameBytes);
  auto ok = DecodeFrameLength(std::span<const uint8_t, 4>(Bytes(at_limit).data(), 4), kDefaultMaxFrameBytes);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, kDefaultMaxFrameBytes);
  const std::string small_limit = Header(11);
  EXPECT_EQ(DecodeFrameLength(std::span<const uint8_t, 4>(Bytes(small_limit).data(), 4), 10).status().code(),
            Code::kFrameTooLarge);
}

TEST(FrameCodecTest, SmallDecoderLimitIsEnforced) {
  FrameDecoder decoder(16);
  wire::Envelope message = MakeEnvelope("run", "party1");
  for (int i = 0; i < 10; ++i) message.mutable_shares()->add_values(i);
  decoder.Feed(Bytes(Frame(message)));
  auto next = decoder.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), Code::kFrameTooLarge);
}

TEST(FrameCodecTest, TruncatedFrameWaitsForMoreBytes) {
  const std::string frame = Frame(MakeHello("run", "party1"));
  for (size_t cut = 1; cut < frame.size(); ++cut) {
    FrameDecoder decoder;
    decoder.Feed(Bytes(frame).first(cut));
    auto next = decoder.Next();
    ASSERT_TRUE(next.ok()) << cut << ": " << next.status().ToString();
    EXPECT_FALSE(next->has_value()) << cut;
    EXPECT_EQ(decoder.buffered(), cut);
    // The rest completes it.
    decoder.Feed(Bytes(frame).subspan(cut));
    next = decoder.Next();
    ASSERT_TRUE(next.ok());
    ASSERT_TRUE(next->has_value());
    EXPECT_EQ((*next)->sender(), "party1");
    EXPECT_EQ(decoder.buffered(), 0u);
  }
}

TEST(FrameCodecTest, GarbageBodyIsBadFrame) {
  // Bytes protobuf refuses: an over-long varint tag, a truncated length-delimited field, tag 0.
  const std::vector<std::string> bodies = {
      std::string(10, '\xff'),
      std::string("\x0a\x10short", 7),  // run_id claims 16 bytes, has 5
      std::string("\x00\x01", 2),       // field number 0
      std::string("\x6a\x05\xff\xff\xff\xff\xff", 7),  // shares body that is itself garbage
  };
  for (const auto& body : bodies) {
    FrameDecoder decoder;
    decoder.Feed(Bytes(Header(static_cast<uint32_t>(body.size())) + body));
    auto next = decoder.Next();
    ASSERT_FALSE(next.ok()) << testing::PrintToString(body);
    EXPECT_EQ(next.status().code(), Code::kBadFrame);
    // The error message does not echo the peer's bytes.
    EXPECT_EQ(next.status().message().find('\xff'), std::string::npos);
  }
}

TEST(FrameCodecTest, EnvelopeWithoutBodyIsBadFrame) {
  wire::Envelope no_body = MakeEnvelope("run", "party1");
  no_body.set_seq(3);
  const std::string body = no_body.SerializeAsString();
  auto parsed = ParseEnvelope(Bytes(body));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Code::kBadFrame);

  // Only an unknown field (a body type from the future): parses, but has no body we know.
  const std::string unknown("\xba\x3e\x00", 3);  // field 999, length-delimited, empty
  parsed = ParseEnvelope(Bytes(unknown));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Code::kBadFrame);
}

TEST(FrameCodecTest, ValidFrameFollowedByGarbageYieldsMessageThenError) {
  std::string stream = Frame(MakeHello("run", "party1"));
  stream += Header(3) + std::string("\xff\xff\xff", 3);
  FrameDecoder decoder;
  decoder.Feed(Bytes(stream));
  auto first = decoder.Next();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  auto second = decoder.Next();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kBadFrame);
}

// LevelDB-style: flip every single byte of a valid frame (three ways) and decode. Never a crash;
// the result is an error, a need for more bytes, or a message that differs from the original.
TEST(FrameCodecTest, SingleByteFlipsNeverCrashAndNeverDecodeToTheOriginal) {
  // Flips inside strings make invalid UTF-8, which protobuf refuses with a log line each.
  google::protobuf::LogSilencer quiet;
  for (const auto& original : EveryBodyType()) {
    const std::string frame = Frame(original);
    for (size_t i = 0; i < frame.size(); ++i) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
        std::string corrupt = frame;
        corrupt[i] = static_cast<char>(static_cast<uint8_t>(corrupt[i]) ^ mask);
        FrameDecoder decoder;
        decoder.Feed(Bytes(corrupt));
        Drained d = Drain(decoder);
        if (!d.error.ok()) {
          EXPECT_TRUE(d.error.code() == Code::kBadFrame || d.error.code() == Code::kFrameTooLarge)
              << d.error.ToString();
          continue;
        }
        if (i >= kFrameHeaderBytes) {
          // Same length, changed body: at most one message, and not the original.
          ASSERT_LE(d.messages.size(), 1u);
          if (!d.messages.empty()) {
            EXPECT_FALSE(MessageDifferencer::Equals(d.messages[0], original))
                << BodyName(original.body_case()) << " byte " << i << " mask " << int{mask};
          }
        } else if (!d.messages.empty()) {
          // A shorter length parses a prefix of the body as a message.
          EXPECT_FALSE(MessageDifferencer::Equals(d.messages[0], original)) << "header byte " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace mpcstats::core
