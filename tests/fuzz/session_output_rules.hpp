// What a session sends must follow common/PROTOCOL.md as strictly as what it
// takes: its peer would end the session otherwise. Checked against the
// frames the peer sent (the valid prefix of the fuzz input).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/protocol.hpp"
#include "tests/support/session_rig.hpp"

namespace tfunnel::fuzz {

// Per stream id, what the peer sent: how many opens, how much credit.
struct PeerFrames {
  std::unordered_map<std::uint32_t, int> opens;
  std::unordered_map<std::uint32_t, std::uint64_t> credit;
};

// The peer's frames up to the first that does not decode (the session stops there).
inline PeerFrames peer_frames(std::span<const std::uint8_t> bytes) {
  using namespace protocol;
  PeerFrames p;
  for (;;) {
    const DecodeResult r = frame_decode(bytes);
    if (r.status != DecodeResult::Status::frame) return p;
    const FrameHeader& h = r.frame.header;
    if (h.type == FrameType::open || h.type == FrameType::udp_open) ++p.opens[h.stream];
    if (h.type == FrameType::credit) p.credit[h.stream] += credit_decode(r.frame.payload);
    bytes = bytes.subspan(r.consumed);
  }
}

// Empty when the session's frames follow the rules, else the first rule broken.
inline std::string output_rules_broken(protocol::Role role, const std::vector<test::SentFrame>& sent,
                                       const PeerFrames& peer) {
  using namespace protocol;
  const bool proxy = role == Role::proxy;
  std::unordered_set<std::uint32_t> fin_sent, opened_sent;
  std::unordered_map<std::uint32_t, std::uint64_t> data_sent;
  for (const auto& f : sent) {
    const std::string where = std::string(frame_type_name(f.type)) + " frame, stream " + std::to_string(f.stream);
    const bool from_client = f.type == FrameType::open || f.type == FrameType::udp_open;
    const bool from_proxy = f.type == FrameType::opened || f.type == FrameType::unreachable;
    if ((proxy && from_client) || (!proxy && from_proxy)) return "a frame of the other role: " + where;
    if (f.stream == 0) continue;
    const auto opens = peer.opens.find(f.stream);
    if (proxy && opens == peer.opens.end()) return "a frame for a stream the peer never opened: " + where;
    // A stream id the peer opened again has two lives that this cannot tell apart.
    if (proxy && opens->second > 1) continue;
    if ((f.type == FrameType::data || f.type == FrameType::fin) && fin_sent.contains(f.stream))
      return "data or fin after fin: " + where;
    if (f.type == FrameType::fin) fin_sent.insert(f.stream);
    if (f.type == FrameType::opened && !opened_sent.insert(f.stream).second) return "opened twice: " + where;
    if (f.type == FrameType::data) {
      const auto credit = peer.credit.find(f.stream);
      const std::uint64_t granted = kInitialWindow + (credit == peer.credit.end() ? 0 : credit->second);
      if ((data_sent[f.stream] += f.payload.size()) > granted) return "data beyond the credit granted: " + where;
    }
  }
  return {};
}

}  // namespace tfunnel::fuzz
