#include "docs/verification_code.h"

#include <cstdint>

#include "util/sha256.h"

namespace pasaprod::docs {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t kSymbols = 8;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// The base32 symbol a typed character stands for, or '\0' when it is not one.
char canonical_symbol(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'O') return '0';
  if (c == 'I' || c == 'L') return '1';
  for (const char* p = kAlphabet; *p; ++p) {
    if (*p == c) return c;
  }
  return '\0';
}

}  // namespace

std::string verification_code_for(std::string_view key, std::string_view payload) {
  const std::string hex = hmac_sha256_hex(key, payload);
  std::uint64_t bits = 0;  // first 40 bits = first 10 hex digits
  for (std::size_t i = 0; i < 10; ++i) bits = (bits << 4) | static_cast<std::uint64_t>(hex_value(hex[i]));
  std::string code(kSymbols + 1, '-');
  for (std::size_t i = 0; i < kSymbols; ++i) {
    const unsigned symbol = static_cast<unsigned>((bits >> (35 - 5 * i)) & 31u);
    code[i < 4 ? i : i + 1] = kAlphabet[symbol];
  }
  return code;
}

Result<std::string> normalize_verification_code(std::string_view typed) {
  std::string symbols;
  for (char c : typed) {
    if (c == ' ' || c == '-' || c == '\t') continue;
    const char s = canonical_symbol(c);
    if (s == '\0' || symbols.size() == kSymbols) {
      symbols.clear();
      break;
    }
    symbols.push_back(s);
  }
  if (symbols.size() != kSymbols) {
    return make_error(Code::invalid_argument, "docs.verification_code",
                      "El código de verificación debe tener 8 caracteres, como 7KQ2-M9XD.",
                      "The verification code must have 8 characters, like 7KQ2-M9XD.");
  }
  return symbols.substr(0, 4) + "-" + symbols.substr(4);
}

}  // namespace pasaprod::docs
