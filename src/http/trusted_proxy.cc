#include "http/trusted_proxy.h"

#include <algorithm>
#include <charconv>

#include <boost/asio/ip/address.hpp>

namespace pasaprod::http {

std::optional<std::array<unsigned char, 16>> TrustedProxies::bytes_of(std::string_view text) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (a.is_v4()) a = boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4());
  const auto b = a.to_v6().to_bytes();
  std::array<unsigned char, 16> out{};
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& entries) {
  TrustedProxies t;
  for (const std::string& e : entries) {
    const std::size_t slash = e.find('/');
    const std::string_view addr = std::string_view(e).substr(0, slash);
    auto bytes = bytes_of(addr);
    int prefix = -1;
    if (bytes) {
      const bool v4 = addr.find(':') == std::string_view::npos;
      if (slash == std::string::npos) {
        prefix = 128;
      } else {
        const std::string_view p = std::string_view(e).substr(slash + 1);
        int n = -1;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
        if (ec == std::errc() && end == p.data() + p.size() && !p.empty() && n >= 0 && n <= (v4 ? 32 : 128)) {
          prefix = v4 ? n + 96 : n;
        }
      }
    }
    if (prefix < 0) {
      return make_error(Code::invalid_argument, "http.bad_trusted_proxy",
                        "«" + e + "» no es una dirección IP ni un rango CIDR (p. ej. 10.0.0.0/8 o ::1).",
                        "\"" + e + "\" is not an IP address nor a CIDR range (e.g. 10.0.0.0/8 or ::1).")
          .with("value", e);
    }
    t.nets_.push_back({*bytes, prefix});
  }
  return t;
}

bool TrustedProxies::contains(std::string_view address) const {
  auto b = bytes_of(address);
  if (!b) return false;
  for (const Net& n : nets_) {
    bool match = true;
    for (int bit = 0; bit < n.prefix && match; bit += 8) {
      const int take = std::min(8, n.prefix - bit);
      const unsigned char mask = static_cast<unsigned char>(0xff << (8 - take));
      match = ((*b)[bit / 8] & mask) == (n.bytes[bit / 8] & mask);
    }
    if (match) return true;
  }
  return false;
}

std::string TrustedProxies::client(const std::string& peer, std::optional<std::string_view> xff) const {
  if (!xff || nets_.empty() || !contains(peer)) return peer;
  std::string_view rest = *xff;
  std::string chosen = peer;
  while (!rest.empty()) {
    const std::size_t comma = rest.rfind(',');
    std::string_view item = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!bytes_of(item)) return chosen;  // garbage: stop at the last address we could trust
    chosen = std::string(item);
    if (!contains(item)) return chosen;
  }
  return chosen;
}

}  // namespace pasaprod::http
