// Which client address a request is counted under when the server sits behind reverse proxies:
// the peer's address, unless the peer is a trusted proxy; then the rightmost address of
// X-Forwarded-For that is not itself a trusted proxy.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace pasaprod::http {

class TrustedProxies {
 public:
  // Parses addresses and CIDR ranges ("10.0.0.0/8", "::1", "192.0.2.7"). invalid_argument
  // "http.bad_trusted_proxy" naming the entry otherwise.
  static Result<TrustedProxies> parse(const std::vector<std::string>& entries);

  bool empty() const { return nets_.empty(); }
  bool contains(std::string_view address) const;
  // The client address for a request from `peer` carrying `forwarded_for` (nullopt = none).
  std::string client(const std::string& peer, std::optional<std::string_view> forwarded_for) const;

 private:
  struct Net {
    std::array<unsigned char, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    int prefix = 128;
  };
  static std::optional<std::array<unsigned char, 16>> bytes_of(std::string_view address);
  std::vector<Net> nets_;
};

}  // namespace pasaprod::http
