#include "common/frame_reader.hpp"

#include <cstring>

namespace tfunnel {

std::span<std::uint8_t> FrameReader::writable() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (buf_.size() - end_ < kMinRoom) {
    // Slide the partial frame to the front only when the room after it could
    // no longer complete a maximal frame: a pipe delivers a few KiB per read,
    // and moving a 16 KiB partial frame after each would cost more than the
    // read.
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  return {buf_.data() + end_, buf_.size() - end_};
}

protocol::DecodeResult FrameReader::next() noexcept {
  auto r = protocol::frame_decode(pending());
  if (r.status == protocol::DecodeResult::Status::frame) begin_ += r.consumed;
  return r;
}

}  // namespace tfunnel
