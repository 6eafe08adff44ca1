#include "common/core/frame_codec.h"

#include <fmt/format.h>

namespace mpcstats::core {

Status AppendFrame(const wire::Envelope& message, uint32_t max_frame_bytes, std::string* out) {
  const size_t body_size = message.ByteSizeLong();
  if (body_size == 0 || body_size > max_frame_bytes) {
    return Status(Code::kInternal, fmt::format("outgoing message of {} bytes outside 1..{}", body_size, max_frame_bytes));
  }
  const size_t start = out->size();
  out->resize(start + kFrameHeaderBytes + body_size);
  auto* p = reinterpret_cast<uint8_t*>(out->data() + start);
  p[0] = static_cast<uint8_t>(body_size >> 24);
  p[1] = static_cast<uint8_t>(body_size >> 16);
  p[2] = static_cast<uint8_t>(body_size >> 8);
  p[3] = static_cast<uint8_t>(body_size);
  if (!message.SerializeToArray(p + kFrameHeaderBytes, static_cast<int>(body_size))) {
    return Status(Code::kInternal, "cannot serialize outgoing message");
  }
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
