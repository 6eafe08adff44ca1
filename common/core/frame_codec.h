// Frames on every link: a 4-byte big-endian length, then that many bytes of a serialized
// wire::Envelope. The length is checked against a bound before anything is allocated.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/core/status.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::core {

inline constexpr size_t kFrameHeaderBytes = 4;
// Large enough for a full share vector of 8 M ring elements; larger vectors must be chunked.
inline constexpr uint32_t kDefaultMaxFrameBytes = 64u << 20;

// Appends header + body to `out`. Fails (kInternal) if the message exceeds max_frame_bytes.
Status AppendFrame(const wire::Envelope& message, uint32_t max_frame_bytes, std::string* out);
// Length from a header: kFrameTooLarge above the bound, kBadFrame for 0.
StatusOr<uint32_t> DecodeFrameLength(std::span<const uint8_t, kFrameHeaderBytes> header, uint32_t max_frame_bytes);
// Parses a body; kBadFrame if protobuf refuses it or a body field is missing.
StatusOr<wire::Envelope> ParseEnvelope(std::span<const uint8_t> body);

// One envelope for several links (what the coordinator relays to every party), serialized once and
// without its sequence number, which each link stamps: a link's frame body is its serialized seq
// field followed by `bytes`, and protobuf parses concatenated messages as one (`bytes` has no seq
// to override it), so the receiver sees exactly the envelope with that link's seq.
struct SharedEnvelope {
  explicit SharedEnvelope(wire::Envelope message);  // serialized with seq cleared
  std::string bytes;
  wire::Envelope::BodyCase body_case;
};
// Appends a frame's header and its seq field: followed by `shared.bytes`, the frame of the
// envelope with sequence number `seq`. Fails (kInternal) as AppendFrame does, and when the
// envelope could not be serialized.
Status AppendSharedFramePrefix(const SharedEnvelope& shared, uint64_t seq, uint32_t max_frame_bytes, std::string* out);

}  // namespace mpcstats::core
