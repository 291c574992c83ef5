#include "auth/credentials.h"

#include <sodium.h>

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

}  // namespace pasaprod::auth
