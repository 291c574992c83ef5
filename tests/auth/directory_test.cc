#include "auth/directory.h"

#include <gtest/gtest.h>

namespace pasaprod::auth {
namespace {

TEST(DirectoryEscaping, FilterValuesEscapeTheRfc4515Specials) {
  EXPECT_EQ(escape_filter_value("alice"), "alice");
  EXPECT_EQ(escape_filter_value("*"), "\\2A");
  EXPECT_EQ(escape_filter_value("a)(uid=*"), "a\\29\\28uid=\\2A");
  EXPECT_EQ(escape_filter_value("back\\slash"), "back\\5Cslash");
  EXPECT_EQ(escape_filter_value(std::string("nul\0x", 5)), "nul\\00x");
  // An injection attempt stays one value inside the filter.
  EXPECT_EQ(fill_placeholder("(uid={user})", "{user}", escape_filter_value("*)(|(uid=*")), "(uid=\\2A\\29\\28|\\28uid=\\2A)");
}

TEST(DirectoryEscaping, DnValuesEscapeTheRfc4514Specials) {
  EXPECT_EQ(escape_dn_value("alice"), "alice");
  EXPECT_EQ(escape_dn_value("a,b+c=d"), "a\\,b\\+c\\=d");
  EXPECT_EQ(escape_dn_value(" #lead"), "\\ #lead");
  EXPECT_EQ(escape_dn_value("#x"), "\\#x");
  EXPECT_EQ(escape_dn_value("trail "), "trail\\ ");
  EXPECT_EQ(escape_dn_value("q\"<>;\\"), "q\\\"\\<\\>\\;\\\\");
  EXPECT_EQ(escape_dn_value(std::string("\0", 1)), "\\00");
}

TEST(DirectoryTemplate, FillsEveryPlaceholder) {
  EXPECT_EQ(fill_placeholder("uid={user},ou=people,dc=example,dc=pe", "{user}", escape_dn_value("o,ops")),
            "uid=o\\,ops,ou=people,dc=example,dc=pe");
  EXPECT_EQ(fill_placeholder("(|(member={dn})(uniqueMember={dn}))", "{dn}", "uid=a"), "(|(member=uid=a)(uniqueMember=uid=a))");
  EXPECT_EQ(fill_placeholder("none", "{user}", "x"), "none");
}

TEST(DirectoryDn, NormalizedDnsCompareWithoutCaseOrSpaces) {
  EXPECT_EQ(normalize_dn("CN=Admins, DC=Example ,dc = pe"), "cn=admins,dc=example,dc=pe");
  EXPECT_EQ(normalize_dn("cn=Two Words,dc=pe"), "cn=two words,dc=pe");
  EXPECT_EQ(normalize_dn("cn=a\\, b,dc=pe"), "cn=a\\, b,dc=pe");
}

TEST(GroupMapFile, ParsesRulesCommentsAndPerSystemRoles) {
  auto m = parse_group_map(
      "# groups → roles\n"
      "\n"
      "cn=admins,dc=example,dc=pe => admin\n"
      "  CN=Leads, DC=example,DC=pe   =>   project_lead@SIAGIE  \r\n"
      "cn=admins,dc=example,dc=pe => it_chief\n");
  ASSERT_TRUE(m) << m.error().message(Lang::en);
  ASSERT_EQ(m->rules().size(), 3u);
  EXPECT_EQ(m->rules()[1].group_dn, "cn=leads,dc=example,dc=pe");
  EXPECT_EQ(m->rules()[1].grant, (RoleGrant{"project_lead", "SIAGIE"}));
  auto roles = m->roles_for({"cn=Admins,dc=example,dc=pe", "cn=other,dc=pe", "cn=leads,dc=example,dc=pe"});
  ASSERT_EQ(roles.size(), 3u);
  EXPECT_EQ(roles[0], (RoleGrant{"admin", ""}));
  EXPECT_EQ(roles[1], (RoleGrant{"project_lead", "SIAGIE"}));
  EXPECT_EQ(roles[2], (RoleGrant{"it_chief", ""}));
  EXPECT_TRUE(m->roles_for({"cn=nobody,dc=pe"}).empty());
}

TEST(GroupMapFile, RefusesMalformedLinesNamingTheLine) {
  for (const char* text : {"cn=a,dc=pe admin\n", "# ok\n=> admin\n", "cn=a,dc=pe => ad min\n", "cn=a,dc=pe => admin@\n",
                           "nodn => admin\n", "cn=a,dc=pe => admin@SYS@X\n"}) {
    auto m = parse_group_map(text);
    ASSERT_FALSE(m) << text;
    EXPECT_EQ(m.error().id, "directory.bad_group_map");
    EXPECT_FALSE(m.error().detail("line").empty());
  }
  EXPECT_EQ(parse_group_map("x\ncn=a,dc=pe => ad min\n").error().detail("line"), "1");
  EXPECT_EQ(parse_group_map("cn=b,dc=pe => admin\ncn=a,dc=pe => ad min\n").error().detail("line"), "2");
  EXPECT_FALSE(parse_group_map(std::string(kMaxGroupMapBytes + 1, '#')));
}

TEST(LdapConfigCheck, RefusesWhatCannotWork) {
  LdapConfig c;
  c.url = "ldap://127.0.0.1:389";
  c.base = "dc=example,dc=pe";
  EXPECT_TRUE(check_ldap_config(c));
  auto refused = [](LdapConfig x, const char* field) {
    Status s = check_ldap_config(x);
    ASSERT_FALSE(s) << field;
    EXPECT_EQ(s.error().detail("field"), field);
  };
  LdapConfig x = c;
  x.url = "http://dir";
  refused(x, "ldap-url");
  x = c;
  x.url = "ldap://a ldap://b";
  refused(x, "ldap-url");
  x = c;
  x.base.clear();
  refused(x, "ldap-base");
  x.user_dn_template = "uid={user},dc=example,dc=pe";
  EXPECT_TRUE(check_ldap_config(x));
  x.user_dn_template = "uid=fixed,dc=pe";
  refused(x, "ldap-user-dn-template");
  x = c;
  x.user_filter = "uid={user}";
  refused(x, "ldap-user-filter");
  x = c;
  x.group_filter = "(member=x)";
  refused(x, "ldap-group-filter");
  x = c;
  x.timeout_ms = 0;
  refused(x, "ldap-timeout");
  x = c;
  x.bind_dn = "cn=svc,dc=example,dc=pe";
  refused(x, "ldap-password-file");
}

TEST(LdapDirectoryOffline, UnreachableServerIsUnavailableAndEmptyPasswordNeverBinds) {
  LdapConfig c;
  c.url = "ldap://127.0.0.1:1";  // nothing listens on port 1
  c.base = "dc=example,dc=pe";
  c.plain = true;
  c.timeout_ms = 1000;
  LdapDirectory dir(c);
  auto empty = dir.authenticate("alice", "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().id, "directory.bad_credentials");
  auto down = dir.authenticate("alice", "alicepw");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, Code::unavailable);
  EXPECT_EQ(down.error().id, "directory.unavailable");
  EXPECT_EQ(dir.lookup("alice").error().code, Code::unavailable);
}

}  // namespace
}  // namespace pasaprod::auth
