// libFuzzer target for everything a peer's bytes reach before the protocol: the frame decoder
// (length prefix, bound, body), ParseEnvelope and CheckEnvelope. Beyond "no crash, no sanitizer
// report", it checks properties that must hold for any input:
//  - the decoder never buffers more than it was fed, and after an error it stays failed;
//  - every decoded message re-frames and decodes to a message of the same size (round trip);
//  - CheckEnvelope's messages are one printable line of bounded length (peer bytes never echoed).
// Build and run: scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "common/core/frame_codec.h"
#include "common/core/messages.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/frame_decoder.h"

namespace {

using mpcstats::core::BodyCase;
using mpcstats::core::Status;
namespace wire = mpcstats::wire;

void CheckOneLine(const Status& status) {
  FUZZ_CHECK(status.message().size() < 1024);
  for (char c : status.message()) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
}

void Inspect(const wire::Envelope& message) {
  // What a party's link to the coordinator and to a peer would allow in their phases.
  CheckOneLine(mpcstats::core::CheckEnvelope(message, "run-1", "party2", {wire::Envelope::kShares}));
  CheckOneLine(mpcstats::core::CheckEnvelope(message, "", "coordinator",
                                             {wire::Envelope::kHelloAck, wire::Envelope::kStart}));
  // With the message's own run id and sender (no line check: those are the caller's strings here).
  (void)mpcstats::core::CheckEnvelope(message, message.run_id(), message.sender(), {wire::Envelope::kAbort});
  // Round trip: what we accepted we can send again, and it reads back the same size.
  std::string frame;
  const Status appended = mpcstats::core::AppendFrame(message, mpcstats::core::kDefaultMaxFrameBytes, &frame);
  FUZZ_CHECK(appended.ok());
  mpcstats::core::FrameDecoder again;
  again.Feed({reinterpret_cast<const uint8_t*>(frame.data()), frame.size()});
  auto back = again.Next();
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(back->has_value());
  FUZZ_CHECK((*back)->ByteSizeLong() == message.ByteSizeLong());
  FUZZ_CHECK((*back)->body_case() == message.body_case());
  FUZZ_CHECK(again.buffered() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);

  // 1. The whole input as one body.
  auto parsed = mpcstats::core::ParseEnvelope(input);
  if (parsed.ok()) {
    FUZZ_CHECK(parsed->body_case() != wire::Envelope::BODY_NOT_SET);
    Inspect(*parsed);
  } else {
    FUZZ_CHECK(parsed.status().code() == mpcstats::core::Code::kBadFrame);
    CheckOneLine(parsed.status());
  }

  // 2. The input as a stream of frames, fed in pieces whose size the last byte picks, to a
  //    decoder with a small bound (so FRAME_TOO_LARGE is reachable) and one with the default.
  if (size == 0) return 0;
  const size_t piece = 1 + data[size - 1] % 64;
  for (uint32_t bound : {uint32_t{4096}, mpcstats::core::kDefaultMaxFrameBytes}) {
    mpcstats::core::FrameDecoder decoder(bound);
    size_t fed = 0;
    bool failed = false;
    for (size_t at = 0; at < size; at += piece) {
      const auto part = input.subspan(at, std::min(piece, size - at));
      decoder.Feed(part);
      fed += part.size();
      while (true) {
        FUZZ_CHECK(decoder.buffered() <= fed);
        auto next = decoder.Next();
        if (!next.ok()) {
          FUZZ_CHECK(next.status().code() == mpcstats::core::Code::kBadFrame ||
                     next.status().code() == mpcstats::core::Code::kFrameTooLarge);
          CheckOneLine(next.status());
          failed = true;
          break;
        }
        if (!next->has_value()) break;
        FUZZ_CHECK((*next)->ByteSizeLong() <= bound);
        Inspect(**next);
      }
      if (failed) {
        // A failed decoder stays failed and keeps nothing more.
        const size_t before = decoder.buffered();
        decoder.Feed(part);
        FUZZ_CHECK(decoder.buffered() == before);
        FUZZ_CHECK(!decoder.Next().ok());
        break;
      }
    }
  }
  return 0;
}
