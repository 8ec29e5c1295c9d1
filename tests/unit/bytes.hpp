// Byte helpers shared by the unit tests: a byte vector and its hex rendering
// for readable comparisons.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace tfunnel::test {

using Bytes = std::vector<std::uint8_t>;

// "01 0a ff": bytes as space-separated hex pairs.
inline std::string hex(std::span<const std::uint8_t> b) {
  std::string s;
  for (std::size_t i = 0; i < b.size(); ++i) {
    char buf[4];
    std::snprintf(buf, sizeof buf, i ? " %02x" : "%02x", b[i]);
    s += buf;
  }
  return s;
}

// The characters of `s` as bytes.
inline Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

// The parts one after another.
inline Bytes cat(std::initializer_list<std::span<const std::uint8_t>> parts) {
  Bytes out;
  for (const auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace tfunnel::test
