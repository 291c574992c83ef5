// Small pieces the engine relies on: ISO times (windows, freezes), errors as values, roles.
#include <gtest/gtest.h>

#include "core_test_util.h"

namespace pasaprod::test {
namespace {

TEST(ParseIso, AcceptsTheDocumentedForms) {
  EXPECT_EQ(*parse_iso("1970-01-01"), 0);
  EXPECT_EQ(*parse_iso("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(*parse_iso("1970-01-01T00:01"), 60000);
  EXPECT_EQ(*parse_iso("1970-01-01 00:00:01.250Z"), 1250);
  EXPECT_EQ(*parse_iso("1970-01-01T05:00:00+05:00"), 0);
  EXPECT_EQ(*parse_iso("1969-12-31T19:00:00-05:00"), 0);
  EXPECT_EQ(*parse_iso("2026-03-10T10:00:00+0000"), *parse_iso("2026-03-10T10:00:00Z"));
  EXPECT_EQ(format_iso(*parse_iso("2024-02-29T23:59:59Z")), "2024-02-29T23:59:59Z");
}

TEST(ParseIso, RefusesMalformedDates) {
  for (const char* text : {"", "2026", "2026-3-10", "2026-13-01", "2026-00-10", "2026-02-29", "2026-04-31", "2026-03-10T24:00",
                           "2026-03-10T10:60", "2026-03-10T10", "2026-03-10X10:00", "2026-03-10T10:00Zjunk", "10/03/2026",
                           "2026-03-10T10:00+05"}) {
    EXPECT_TRUE(Refused(parse_iso(text), Code::invalid_argument, "time.invalid")) << text;
  }
}

TEST(FormatIso, RoundTripsAndHandlesDatesBeforeTheEpoch) {
  const Timestamp t = *parse_iso("2026-11-28T10:54:26Z");
  EXPECT_EQ(format_iso(t), "2026-11-28T10:54:26Z");
  EXPECT_EQ(format_date(t), "2026-11-28");
  EXPECT_EQ(year_of(t), 2026);
  EXPECT_EQ(format_iso(-1), "1969-12-31T23:59:59Z");
}

TEST(Errors, CarryCodeIdMessagesAndDetails) {
  Error e = make_error(Code::failed_precondition, "guard.x", "falta", "missing").with("missing", "a").with("missing", "b");
  EXPECT_EQ(e.message(Lang::es), "falta");
  EXPECT_EQ(e.message(Lang::en), "missing");
  EXPECT_EQ(e.detail("missing"), "a");
  EXPECT_EQ(e.detail("absent"), "");
  EXPECT_STREQ(code_name(Code::conflict), "conflict");
  EXPECT_STREQ(code_name(Code::permission_denied), "permission_denied");
  EXPECT_EQ(parse_lang("en-US"), Lang::en);
  EXPECT_EQ(parse_lang("es-PE"), Lang::es);
  EXPECT_EQ(parse_lang("qu"), Lang::es);
}

TEST(UserHolds, OfficeWideAndPerSystemGrants) {
  const User u = UserBuilder("u").role("qa_lead").role_for("functional_user", kSys);
  EXPECT_TRUE(u.holds("qa_lead", ""));
  EXPECT_TRUE(u.holds("qa_lead", kOther));
  EXPECT_TRUE(u.holds("functional_user", kSys));
  EXPECT_FALSE(u.holds("functional_user", kOther));
  EXPECT_FALSE(u.holds("functional_user", ""));
  EXPECT_FALSE(u.holds("it_chief", ""));
}

}  // namespace
}  // namespace pasaprod::test
