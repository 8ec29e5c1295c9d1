#include "common/out_queue.hpp"

namespace tfunnel {

using protocol::FrameHeader;
using protocol::FrameType;

void OutQueue::push_raw(std::span<const std::uint8_t> bytes) {
  control_.insert(control_.end(), bytes.begin(), bytes.end());
}

void OutQueue::push_control(FrameType type, std::uint32_t stream,
                            std::span<const std::uint8_t> payload) {
  std::array<std::uint8_t, protocol::kHeaderSize> h;
  protocol::header_serialize(
      FrameHeader{type, 0, static_cast<std::uint16_t>(payload.size()), stream}, h);
  push_raw(h);
  push_raw(payload);
}

void OutQueue::push_data(std::uint32_t stream, Block payload, std::uint16_t len, std::size_t reserved) {
  DataFrame f{{}, std::move(payload), len};
  protocol::header_serialize(FrameHeader{FrameType::data, 0, len, stream}, f.header);
  data_.push_back(std::move(f));
  budget_used_ -= reserved - len;  // the reservation shrinks to what was read
}

void OutQueue::push_spliced(std::uint32_t stream, std::uint16_t len, std::size_t reserved) {
  DataFrame f{{}, Block(nullptr, BlockReturn{}), len};
  protocol::header_serialize(FrameHeader{FrameType::data, 0, len, stream}, f.header);
  f.spliced = true;
  data_.push_back(std::move(f));
  budget_used_ -= reserved - len;
}

void OutQueue::push_rst(std::uint32_t stream, protocol::ResetReason reason) {
  DataFrame f{{}, Block(nullptr, BlockReturn{}), 0};
  protocol::header_serialize(FrameHeader{FrameType::rst, 0, protocol::kRstSize, stream}, f.header);
  f.inline_payload = static_cast<std::uint8_t>(reason);
  f.has_inline = true;
  data_.push_back(std::move(f));
}

void OutQueue::push_fin(std::uint32_t stream) {
  DataFrame f{{}, Block(nullptr, BlockReturn{}), 0};
  protocol::header_serialize(FrameHeader{FrameType::fin, 0, 0, stream}, f.header);
  data_.push_back(std::move(f));
}

const std::vector<boost::asio::const_buffer>& OutQueue::batch_begin() {
  buffers_.clear();
  control_inflight_.clear();
  control_.swap(control_inflight_);
  if (!control_inflight_.empty())
    buffers_.emplace_back(control_inflight_.data(), control_inflight_.size());
  batch_spliced_ = 0;
  for (std::size_t i = 0; i < kMaxFramesPerBatch && !data_.empty() && batch_spliced_ == 0; ++i) {
    data_inflight_.push_back(std::move(data_.front()));
    data_.pop_front();
    if (data_inflight_.back().spliced) batch_spliced_ = data_inflight_.back().len;
  }
  for (const auto& f : data_inflight_) {
    buffers_.emplace_back(f.header.data(), f.header.size());
    if (f.len && !f.spliced) buffers_.emplace_back(f.payload.get(), f.len);
    if (f.has_inline) buffers_.emplace_back(&f.inline_payload, 1);
  }
  return buffers_;
}

std::size_t OutQueue::batch_end() {
  std::size_t data = 0;
  for (const auto& f : data_inflight_) data += f.len;
  budget_used_ -= data;
  data_inflight_.clear();
  buffers_.clear();
  batch_spliced_ = 0;
  // A burst of control frames (thousands of opens) must not pin its memory.
  if (control_inflight_.capacity() > 64 * 1024) std::vector<std::uint8_t>().swap(control_inflight_);
  return data;
}

bool OutQueue::budget_try_reserve(std::uint32_t stream, bool sparse) {
  if ((waiters_.empty() && budget_used_ + chunk_ <= budget_limit_) || (sparse && budget_used_ <= budget_limit_)) {
    budget_used_ += chunk_;
    return true;
  }
  if (sparse) waiters_.push_front(stream);
  else waiters_.push_back(stream);
  return false;
}

}  // namespace tfunnel
