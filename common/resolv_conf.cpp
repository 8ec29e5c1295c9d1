#include "common/resolv_conf.hpp"

#include <fstream>
#include <sstream>

namespace tfunnel {

std::vector<boost::asio::ip::address> resolv_conf_parse(const std::string& text) {
  std::vector<boost::asio::ip::address> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (!(words >> key >> value) || key != "nameserver") continue;
    if (value.find('%') != std::string::npos) continue;
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(value, ec);
    if (!ec) out.push_back(a);
  }
  return out;
}

std::vector<boost::asio::ip::address> resolv_conf_nameservers(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return resolv_conf_parse(text.str());
}

}  // namespace tfunnel
