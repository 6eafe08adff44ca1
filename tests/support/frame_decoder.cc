#include "tests/support/frame_decoder.h"

namespace mpcstats::core {

void FrameDecoder::Feed(std::span<const uint8_t> bytes) {
  if (!error_.ok()) return;
  // Drop consumed bytes before growing, so memory stays bounded by one frame plus the input.
  if (offset_ > 0) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

StatusOr<std::optional<wire::Envelope>> FrameDecoder::Next() {
  if (!error_.ok()) return error_;
  if (buffered() < kFrameHeaderBytes) return std::optional<wire::Envelope>();
  const auto* p = reinterpret_cast<const uint8_t*>(buffer_.data() + offset_);
  auto length = DecodeFrameLength(std::span<const uint8_t, kFrameHeaderBytes>(p, kFrameHeaderBytes), max_frame_bytes_);
  if (!length.ok()) {
    error_ = length.status();
    return error_;
  }
  if (buffered() < kFrameHeaderBytes + *length) return std::optional<wire::Envelope>();
  auto message = ParseEnvelope(std::span<const uint8_t>(p + kFrameHeaderBytes, *length));
  if (!message.ok()) {
    error_ = message.status();
    return error_;
  }
  offset_ += kFrameHeaderBytes + *length;
  return std::optional<wire::Envelope>(std::move(message).value());
}

}  // namespace mpcstats::core
