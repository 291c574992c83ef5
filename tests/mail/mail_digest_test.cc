// Mail people want to read (issue 15): the daily digest of informed mail for who asks for it,
// the link every mail carries to switch that choice, and "by when" for a step with a deadline.
#include <gtest/gtest.h>

#include <algorithm>

#include "mail/message.h"
#include "mail_office.h"
#include "service/demo.h"
#include "util/zoneinfo.h"
#include "web/assets.h"

namespace pasaprod {
namespace {

web::Catalog catalog() {
  web::Assets assets;
  return *web::Catalog::parse(*assets.get("i18n/es.json"), *assets.get("i18n/en.json"));
}

OutboxMail notice(const std::string& release, const std::string& title, const std::string& step, const std::string& at) {
  OutboxMail m;
  m.username = "ana.funcional";
  m.name = "Ana Torres";
  m.lang = "es";
  m.release = release;
  m.system = "SIAGIE";
  m.title = title;
  m.step = step;
  m.raci = 'I';
  m.role = "functional_user";
  m.actor = "oscar.operador";
  m.at = parse_iso(at).value();
  return m;
}

std::vector<OutboxMail> of(const std::vector<OutboxMail>& mails, const std::string& username) {
  std::vector<OutboxMail> out;
  for (const auto& m : mails) {
    if (m.username == username) out.push_back(m);
  }
  return out;
}

void set_digest(testing::MailOffice& o, const std::string& username, bool digest) {
  User u = *o.office().user(username);
  u.mail_digest = digest;
  ASSERT_TRUE(o.office().update_profile(Caller{username}, u));
}

TEST(MailText, ADigestListsEachNoticeWithItsTimeAndLinkAndOffersEveryMailAtOnce) {
  const ProcedureSet proc = ProcedureSet::builtin();
  const TimeZone lima = *load_time_zone("America/Lima");
  OutboxMail d;
  d.id = 7;
  d.username = "ana.funcional";
  d.name = "Ana Torres";
  d.lang = "es";
  d.step = kDigestStep;
  d.items = {notice("PP-2026-0003", "Reporte de actas", "deployment", "2026-11-02T15:30:00Z"),
             notice("PP-2026-0004", "Matrícula <urgente>", "verification", "2026-11-02T18:05:00Z")};
  const mail::MailText t = mail::compose(d, proc.in_force(0), catalog(), lima, "https://pasaprod.example.pe",
                                         {.digest = true, .switch_url = "https://pasaprod.example.pe/mail/preference?x"});
  EXPECT_EQ(t.subject, "Resumen diario de pasaprod: 2 avisos");
  EXPECT_NE(t.text.find("Hola, Ana Torres:"), std::string::npos) << t.text;
  EXPECT_NE(t.text.find("PP-2026-0003 «Reporte de actas» (SIAGIE): oscar.operador registró «" +
                        step_label(proc.in_force(0), "deployment", Lang::es) + "» el 02/11/2026 10:30 (America/Lima)."),
            std::string::npos)
      << t.text;
  EXPECT_NE(t.text.find("https://pasaprod.example.pe/releases/PP-2026-0004"), std::string::npos) << t.text;
  EXPECT_NE(t.text.find("Recibir cada aviso al momento, sin resumen: https://pasaprod.example.pe/mail/preference?x"), std::string::npos)
      << t.text;
  EXPECT_NE(t.html.find("Matrícula &lt;urgente&gt;"), std::string::npos);
  EXPECT_EQ(t.html.find("<urgente>"), std::string::npos);
  EXPECT_NE(t.html.find("<a href=\"https://pasaprod.example.pe/mail/preference?x\">Recibir cada aviso al momento</a>"), std::string::npos)
      << t.html;
}

TEST(MailText, AMailOffersTheDigestAndAStepWithADeadlineSaysByWhenInTheOfficeZone) {
  const ProcedureSet proc = ProcedureSet::builtin();
  const TimeZone lima = *load_time_zone("America/Lima");
  OutboxMail m = notice("PP-2026-0003", "Reporte de actas", "turn:deploy", "2026-11-02T15:30:00Z");
  m.raci = 'R';
  m.role = "release_operator";
  m.due_from = parse_iso("2026-11-03T03:00:00Z").value();
  m.due_to = parse_iso("2026-11-03T06:00:00Z").value();
  m.lang = "en";
  const mail::MailText t = mail::compose(m, proc.in_force(0), catalog(), lima, "https://pasaprod.example.pe",
                                         {.digest = false, .switch_url = "https://pasaprod.example.pe/mail/preference?y"});
  EXPECT_NE(t.text.find("Due: it can only be done within the deployment window, from 2026-11-02 22:00 to 2026-11-03 01:00 "
                        "(America/Lima)."),
            std::string::npos)
      << t.text;
  EXPECT_NE(t.text.find("Receive the notices (I) in one daily digest: https://pasaprod.example.pe/mail/preference?y"), std::string::npos)
      << t.text;
  m.due_from = m.due_to = 0;
  EXPECT_EQ(mail::compose(m, proc.in_force(0), catalog(), lima, "", {}).text.find("Due:"), std::string::npos);
}

TEST(MailText, ThePreferenceLinkCarriesTheUserTheChoiceAndTheToken) {
  EXPECT_EQ(mail::preference_url("https://p.example.pe", "ana.funcional", true, "ab12"),
            "https://p.example.pe/mail/preference?user=ana.funcional&digest=1&token=ab12");
  EXPECT_EQ(mail::preference_url("", "ana.funcional", true, "ab12"), "") << "no public address, no link";
}

TEST(Outbox, InformedMailOfWhoTakesADigestWaitsAndIsGatheredIntoOneDigestPerPerson) {
  testing::MailOffice o;
  set_digest(o, "ana.funcional", true);
  auto number = walk_demo_release(o.office(), "SIAGIE", "maintenance", "Reporte de actas", "closed", nullptr);
  ASSERT_TRUE(number) << number.error().en;
  const auto queued = of(o.mails(), "ana.funcional");
  for (const auto& m : queued) EXPECT_NE(m.raci, 'I') << "an informed mail went out at once: " << m.step;
  EXPECT_FALSE(queued.empty()) << "what is asked of her (the acceptance) still comes at once";
  const OutboxCounts before = *o.office().mail_counts(Caller{"test", true});
  ASSERT_GT(before.held, 0);
  // Others are not affected: Pedro (each mail at once) got his informed mail.
  const auto pedro = of(o.mails(), "pedro.lider");
  EXPECT_TRUE(std::any_of(pedro.begin(), pedro.end(), [](const OutboxMail& m) { return m.raci == 'I'; }));

  // Mail made after the digest time waits for the next one.
  EXPECT_EQ(*o.office().queue_mail_digests(o.clock().now() - 1), 0);
  o.clock().advance_ms(1000);
  ASSERT_EQ(*o.office().queue_mail_digests(o.clock().now()), 1);
  const auto after = of(o.mails(), "ana.funcional");
  ASSERT_EQ(after.size(), queued.size() + 1);
  const OutboxMail& digest = after.front();  // newest first
  EXPECT_EQ(digest.step, kDigestStep);
  EXPECT_EQ(digest.state, "queued");
  EXPECT_EQ(digest.address, o.office().user("ana.funcional")->email);
  EXPECT_EQ(o.office().mail_counts(Caller{"test", true})->held, 0);
  // The sender gets the digest with its items, oldest first.
  o.clock().advance_ms(1000);
  auto claimed = o.office().claim_mails(500, 60000);
  ASSERT_TRUE(claimed);
  auto it = std::find_if(claimed->begin(), claimed->end(), [](const OutboxMail& m) { return m.step == kDigestStep; });
  ASSERT_NE(it, claimed->end());
  ASSERT_EQ(static_cast<std::int64_t>(it->items.size()), before.held);
  EXPECT_TRUE(std::is_sorted(it->items.begin(), it->items.end(), [](const OutboxMail& a, const OutboxMail& b) { return a.at < b.at; }));
  for (const auto& item : it->items) EXPECT_EQ(item.release, *number);
  // Nothing is gathered twice.
  EXPECT_EQ(*o.office().queue_mail_digests(o.clock().now()), 0);
}

TEST(Outbox, TurningTheDigestOffSendsWhatWasWaitingAtOnceAndADeactivatedPersonsDigestIsDropped) {
  testing::MailOffice o;
  set_digest(o, "ana.funcional", true);
  set_digest(o, "pedro.lider", true);
  auto number = walk_demo_release(o.office(), "SIAGIE", "maintenance", "Reporte de actas", "closed", nullptr);
  ASSERT_TRUE(number) << number.error().en;
  set_digest(o, "ana.funcional", false);
  const auto ana = of(o.mails(), "ana.funcional");
  ASSERT_FALSE(ana.empty());
  EXPECT_EQ(ana.front().step, kDigestStep) << "what waited is sent now";
  ASSERT_TRUE(o.office().set_active(Caller{"test", true}, "pedro.lider", false));
  o.clock().advance_ms(1000);
  ASSERT_EQ(*o.office().queue_mail_digests(o.clock().now()), 1);
  const auto pedro = of(o.mails(), "pedro.lider");
  ASSERT_FALSE(pedro.empty());
  EXPECT_EQ(pedro.front().step, kDigestStep);
  EXPECT_EQ(pedro.front().state, "dropped") << "nothing stays held for an account that is gone";
  EXPECT_NE(pedro.front().last_error.find("no longer active"), std::string::npos);
  EXPECT_EQ(o.office().mail_counts(Caller{"test", true})->held, 0);
}

TEST(Outbox, ThePreferenceLinkChangesOnlyItsOwnersChoiceAndOnlyWithItsToken) {
  testing::MailOffice o;
  const std::string token = o.office().mail_preference_token("ana.funcional", true);
  EXPECT_EQ(token.size(), 32u);
  EXPECT_NE(token, o.office().mail_preference_token("ana.funcional", false)) << "a token is for one choice";
  EXPECT_NE(token, o.office().mail_preference_token("pedro.lider", true)) << "and for one person";
  for (const auto& [user, digest, tok] : std::vector<std::tuple<std::string, bool, std::string>>{
           {"ana.funcional", false, token}, {"pedro.lider", true, token}, {"ana.funcional", true, ""},
           {"ana.funcional", true, std::string(32, '0')}}) {
    auto r = o.office().set_mail_digest_by_link(user, digest, tok);
    ASSERT_FALSE(r) << user;
    EXPECT_EQ(r.error().id, "mail.preference_link");
  }
  EXPECT_FALSE(o.office().user("ana.funcional")->mail_digest);
  EXPECT_FALSE(o.office().user("pedro.lider")->mail_digest);
  auto changed = o.office().set_mail_digest_by_link("ana.funcional", true, token);
  ASSERT_TRUE(changed) << changed.error().en;
  EXPECT_TRUE(changed->mail_digest);
  EXPECT_TRUE(o.office().user("ana.funcional")->mail_digest);
  // The change is in the audit trail as her own.
  auto events = o.office().events("ana.funcional", 0, 1000);
  ASSERT_TRUE(events);
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->back().action, "user.update");
  EXPECT_EQ(events->back().actor, "ana.funcional");
  EXPECT_NE(events->back().after.find("\"mail_digest\":true"), std::string::npos) << events->back().after;
}

TEST(Outbox, TheTurnToDeploySaysByWhenTheWindowCloses) {
  testing::MailOffice o;
  auto number = walk_demo_release(o.office(), "SIAGIE", "maintenance", "Reporte de actas", "approved", nullptr);
  ASSERT_TRUE(number) << number.error().en;
  auto release = o.office().view(*number, "");
  ASSERT_TRUE(release);
  const Record* window = nullptr;
  for (const auto& rec : release->release.records) {
    if (rec.type == "window") window = &rec;
  }
  ASSERT_NE(window, nullptr);
  bool found = false;
  for (const auto& m : o.mails()) {
    if (m.release != *number || m.step.find("deploy") == std::string::npos || m.step.rfind("turn:", 0) != 0) continue;
    found = true;
    EXPECT_EQ(m.due_from, parse_iso(window->fields.at("from")).value()) << m.username << " " << m.step;
    EXPECT_EQ(m.due_to, parse_iso(window->fields.at("to")).value()) << m.username << " " << m.step;
  }
  EXPECT_TRUE(found) << "the operator is told it is their turn to deploy";
  for (const auto& m : o.mails()) {
    if (m.step.rfind("turn:", 0) == 0 && m.step.find("deploy") == std::string::npos) {
      EXPECT_EQ(m.due_to, 0) << "no deadline for " << m.step;
    }
  }
}

}  // namespace
}  // namespace pasaprod
