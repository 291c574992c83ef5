// SHA-256 (OpenSSL EVP), incremental or one-shot, as lowercase hex.
//
//   Sha256 h;
//   while (n = read(...)) h.update(buf, n);
//   std::string hex = h.hex_digest();
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pasaprod {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Finishes the digest; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void* ctx_;  // EVP_MD_CTX*
};

std::string sha256_hex(std::string_view data);

// HMAC-SHA256 of data under key, lowercase hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// True when text is 64 lowercase hex characters.
bool is_sha256_hex(std::string_view text);

}  // namespace pasaprod
