#include "docs/verification_code.h"

#include <gtest/gtest.h>

#include <set>

namespace pasaprod::docs {
namespace {

bool looks_like_code(const std::string& code) {
  if (code.size() != 9 || code[4] != '-') return false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i == 4) continue;
    if (std::string("0123456789ABCDEFGHJKMNPQRSTVWXYZ").find(code[i]) == std::string::npos) return false;
  }
  return true;
}

// Codes are printed on stored documents: the algorithm must never change. Values computed
// independently (Python hmac + Crockford base32 of the first 40 bits).
TEST(VerificationCode, MatchesKnownValues) {
  EXPECT_EQ(verification_code_for("secret", "informe:REQ-2025-012:v3"), "4ZZP-DSEH");
  EXPECT_EQ(verification_code_for("", ""), "PR9P-F6G8");
}

TEST(VerificationCode, IsDeterministicAndWellFormed) {
  const std::string a = verification_code_for("k", "acta:REQ-1");
  EXPECT_EQ(a, verification_code_for("k", "acta:REQ-1"));
  EXPECT_TRUE(looks_like_code(a)) << a;
}

TEST(VerificationCode, DiffersForPayloadsAndKeys) {
  std::set<std::string> codes;
  for (int i = 0; i < 500; ++i) codes.insert(verification_code_for("k", "doc-" + std::to_string(i)));
  EXPECT_EQ(codes.size(), 500u);
  EXPECT_NE(verification_code_for("k1", "doc"), verification_code_for("k2", "doc"));
  for (const std::string& c : codes) EXPECT_TRUE(looks_like_code(c)) << c;
}

TEST(VerificationCode, NormalizesWhatPeopleType) {
  const std::string code = verification_code_for("k", "doc");
  std::string typed;
  for (char c : code) typed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Result<std::string> n = normalize_verification_code(" " + typed + " ");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, code);
  EXPECT_EQ(*normalize_verification_code("4zzp dseh"), "4ZZP-DSEH");
  EXPECT_EQ(*normalize_verification_code("oILo-1234"), "0110-1234");
  EXPECT_EQ(*normalize_verification_code("4ZZPDSEH"), "4ZZP-DSEH");
}

TEST(VerificationCode, RejectsMalformedInput) {
  for (const char* bad : {"", "4ZZP-DSE", "4ZZP-DSEHX", "4ZZP-DSEU", "4ZZP_DSEH", "ÑZZP-DSEH"}) {
    Result<std::string> n = normalize_verification_code(bad);
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_EQ(n.error().code, Code::invalid_argument);
    EXPECT_EQ(n.error().id, "docs.verification_code");
  }
}

}  // namespace
}  // namespace pasaprod::docs
