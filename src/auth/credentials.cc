#include "auth/credentials.h"

#include <sodium.h>

#include <array>

#include <stdexcept>

#include "util/sha256.h"

namespace pasaprod::auth {

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

Result<std::string> hash_password(const std::string& password, bool interactive) {
  char out[crypto_pwhash_STRBYTES];
  const unsigned long long ops = interactive ? crypto_pwhash_OPSLIMIT_INTERACTIVE : crypto_pwhash_OPSLIMIT_MIN;
  const std::size_t mem = interactive ? crypto_pwhash_MEMLIMIT_INTERACTIVE : crypto_pwhash_MEMLIMIT_MIN;
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return make_error(Code::internal, "password.hash_failed", "No se pudo calcular el hash de la contraseña (memoria insuficiente).",
                      "Could not hash the password (out of memory).");
  }
  return std::string(out);
}

bool verify_password(const std::string& password, const std::string& hash) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

Status check_password_policy(const std::string& password) {
  if (password.size() < 10 || password.size() > 1024) {
    return make_error(Code::invalid_argument, "password.policy", "La contraseña debe tener al menos 10 caracteres.",
                      "The password must have at least 10 characters.")
        .with("field", "password");
  }
  return ok_status();
}

std::string random_secret(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::string new_api_token() { return "ppt_" + random_secret(32); }

std::string secret_digest(const std::string& secret) { return sha256_hex(secret); }

bool equal_secrets(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

std::array<unsigned char, crypto_secretbox_KEYBYTES> seal_key(std::string_view secret) {
  static constexpr std::string_view kContext = "pasaprod seal v1";
  std::array<unsigned char, crypto_secretbox_KEYBYTES> key{};
  crypto_generichash(key.data(), key.size(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     reinterpret_cast<const unsigned char*>(kContext.data()), kContext.size());
  return key;
}

}  // namespace

std::string seal(std::string_view secret, std::string_view plaintext) {
  auto key = seal_key(secret);
  std::string raw(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(raw.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), nonce, key.data());
  sodium_memzero(key.data(), key.size());
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), nonce, raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::optional<std::string> unseal(std::string_view secret, std::string_view sealed) {
  std::string raw(sealed.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), sealed.data(), sealed.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return std::nullopt;
  }
  auto key = seal_key(secret);
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw.data());
  std::string plain(len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  const int bad = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), nonce + crypto_secretbox_NONCEBYTES,
                                             len - crypto_secretbox_NONCEBYTES, nonce, key.data());
  sodium_memzero(key.data(), key.size());
  if (bad != 0) return std::nullopt;
  return plain;
}

}  // namespace pasaprod::auth
