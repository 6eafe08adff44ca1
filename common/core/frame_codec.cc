#include "common/core/frame_codec.h"

#include <fmt/format.h>

namespace mpcstats::core {

namespace {

// Appends the header of a frame whose body has `body_size` bytes; kInternal outside 1..max.
Status AppendHeader(size_t body_size, uint32_t max_frame_bytes, std::string* out) {
  if (body_size == 0 || body_size > max_frame_bytes) {
    return Status(Code::kInternal, fmt::format("outgoing message of {} bytes outside 1..{}", body_size, max_frame_bytes));
  }
  const char header[kFrameHeaderBytes] = {static_cast<char>(body_size >> 24), static_cast<char>(body_size >> 16),
                                          static_cast<char>(body_size >> 8), static_cast<char>(body_size)};
  out->append(header, kFrameHeaderBytes);
  return Status::Ok();
}

}  // namespace

Status AppendFrame(const wire::Envelope& message, uint32_t max_frame_bytes, std::string* out) {
  const size_t body_size = message.ByteSizeLong();
  if (Status s = AppendHeader(body_size, max_frame_bytes, out); !s.ok()) return s;
  const size_t start = out->size();
  out->resize(start + body_size);
  if (!message.SerializeToArray(out->data() + start, static_cast<int>(body_size))) {
    return Status(Code::kInternal, "cannot serialize outgoing message");
  }
  return Status::Ok();
}

SharedEnvelope::SharedEnvelope(wire::Envelope message) : body_case(message.body_case()) {
  message.clear_seq();
  bytes = message.SerializeAsString();  // empty if protobuf could not serialize it
}

Status AppendSharedFramePrefix(const SharedEnvelope& shared, uint64_t seq, uint32_t max_frame_bytes, std::string* out) {
  if (shared.bytes.empty()) return Status(Code::kInternal, "cannot serialize outgoing message");
  wire::Envelope seq_only;
  seq_only.set_seq(seq);
  const std::string seq_field = seq_only.SerializeAsString();  // empty for seq 0, as in any envelope
  if (Status s = AppendHeader(seq_field.size() + shared.bytes.size(), max_frame_bytes, out); !s.ok()) return s;
  out->append(seq_field);
  return Status::Ok();
}

StatusOr<uint32_t> DecodeFrameLength(std::span<const uint8_t, kFrameHeaderBytes> header, uint32_t max_frame_bytes) {
  const uint32_t length = (uint32_t{header[0]} << 24) | (uint32_t{header[1]} << 16) | (uint32_t{header[2]} << 8) |
                          uint32_t{header[3]};
  if (length == 0) return Status(Code::kBadFrame, "empty frame");
  if (length > max_frame_bytes) {
    return Status(Code::kFrameTooLarge, fmt::format("frame of {} bytes exceeds limit {}", length, max_frame_bytes));
  }
  return length;
}

StatusOr<wire::Envelope> ParseEnvelope(std::span<const uint8_t> body) {
  wire::Envelope message;
  if (body.size() > static_cast<size_t>(INT32_MAX) ||
      !message.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status(Code::kBadFrame, fmt::format("unparsable message of {} bytes", body.size()));
  }
  if (message.body_case() == wire::Envelope::BODY_NOT_SET) {
    return Status(Code::kBadFrame, "message has no body");
  }
  return message;
}

}  // namespace mpcstats::core
