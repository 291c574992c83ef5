// The mail as rendered and as carried (src/mail/message.h), and the outbox as the office fills it.
#include <gtest/gtest.h>

#include <sodium.h>

#include <algorithm>
#include <map>

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

OutboxMail sample(char raci, const std::string& step, const std::string& lang) {
  OutboxMail m;
  m.id = 42;
  m.username = "rosa.asi";
  m.name = "Rosa Díaz";
  m.address = "rosa.asi@minedu.gob.pe";
  m.lang = lang;
  m.release = "PP-2026-0007";
  m.system = "SIAGIE";
  m.title = "Nuevo reporte de actas";
  m.event_seq = 1234;
  m.step = step;
  m.raci = raci;
  m.role = "asi_head";
  m.actor = "oscar.operador";
  m.at = parse_iso("2026-11-02T15:30:00Z").value();
  return m;
}

TEST(MailText, SaysWhatHappenedWhatIsAskedAndWhyInTheRecipientsLanguage) {
  const auto proc = ProcedureSet::builtin();
  const auto zone = load_time_zone("America/Lima").value();
  const auto c = catalog();
  const mail::MailText es = mail::compose(sample('R', "turn:pre_approve", "es"), proc.in_force(0), c, zone, "https://pasaprod.example.pe");
  EXPECT_EQ(es.subject, "[PP-2026-0007] SIAGIE: Le toca: Pre-aprobar (ASI)");
  EXPECT_NE(es.text.find("Hola, Rosa Díaz:"), std::string::npos) << es.text;
  EXPECT_NE(es.text.find("02/11/2026 10:30 (America/Lima)"), std::string::npos) << es.text;  // the office's time, named
  EXPECT_NE(es.text.find("responsable (R)"), std::string::npos) << es.text;
  EXPECT_NE(es.text.find("Responsable del Área de Sistemas de Información"), std::string::npos) << es.text;
  EXPECT_NE(es.text.find("https://pasaprod.example.pe/releases/PP-2026-0007"), std::string::npos) << es.text;
  EXPECT_NE(es.html.find("<a href=\"https://pasaprod.example.pe/releases/PP-2026-0007\">"), std::string::npos) << es.html;

  const mail::MailText en = mail::compose(sample('C', "consult:prepare_report", "en"), proc.in_force(0), c, zone, "");
  EXPECT_EQ(en.subject, "[PP-2026-0007] SIAGIE: Your opinion is asked: Prepare the release report");
  EXPECT_NE(en.text.find("consulted (C)"), std::string::npos) << en.text;
  EXPECT_EQ(en.text.find("/releases/"), std::string::npos) << "no --public-url, no link";
}

TEST(MailText, ATurnNamesEveryActionOpenToThePersonAndDoesNotSayTheyWereTaken) {
  const auto proc = ProcedureSet::builtin();
  const mail::MailText t =
      mail::compose(sample('A', "turn:pre_approve,approve", "es"), proc.in_force(0), catalog(), TimeZone::utc(), "");
  EXPECT_EQ(t.subject, "[PP-2026-0007] SIAGIE: Usted responde por: Pre-aprobar (ASI); " + proc.in_force(0).action_name("approve", Lang::es));
  EXPECT_EQ(t.text.find("registró"), std::string::npos) << "oscar did not take the actions this mail is about\n" << t.text;
  EXPECT_NE(t.text.find("cambió el 02/11/2026 15:30 (UTC) (último paso de oscar.operador)"), std::string::npos) << t.text;
}

TEST(MailText, EscapesMarkupInTheHtmlPart) {
  OutboxMail m = sample('I', "prepare_report", "es");
  m.title = "<script>alert(1)</script> & co";
  const auto proc = ProcedureSet::builtin();
  const mail::MailText t = mail::compose(m, proc.in_force(0), catalog(), TimeZone::utc(), "");
  EXPECT_EQ(t.html.find("<script>"), std::string::npos);
  EXPECT_NE(t.html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
}

TEST(MailMessage, HeadersCannotBeInjectedAndTheSubjectIsEncoded) {
  OutboxMail m = sample('I', "prepare_report", "es");
  mail::MailText t{"[PP-2026-0007] SIAGIE: informe\r\nBcc: everyone@evil.example", "texto\n", "<p>texto</p>\n"};
  const std::string msg = mail::rfc5322(m, t, {"Pasaprod <pasaprod@minedu.gob.pe>", "mesa@minedu.gob.pe"}, m.at);
  EXPECT_EQ(msg.find("\r\nBcc:"), std::string::npos);
  EXPECT_NE(msg.find("Message-ID: <pasaprod.42.1234@minedu.gob.pe>\r\n"), std::string::npos);
  EXPECT_NE(msg.find("Reply-To: mesa@minedu.gob.pe\r\n"), std::string::npos);
  EXPECT_NE(msg.find("Date: Mon, 02 Nov 2026 15:30:00 +0000\r\n"), std::string::npos);
  t.subject = "Aprobación pendiente — año";
  const std::string utf8 = mail::rfc5322(m, t, {"pasaprod@minedu.gob.pe", ""}, m.at);
  EXPECT_NE(utf8.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_EQ(utf8.find("Reply-To:"), std::string::npos);
  // Every line of the message ends in CRLF and is at most 998 characters.
  std::size_t start = 0;
  while (start < utf8.size()) {
    const auto end = utf8.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 998u);
    EXPECT_EQ(utf8.substr(start, end - start).find('\n'), std::string::npos);
    start = end + 2;
  }
}

TEST(MailText, AMailWithAnInvitationSaysSo) {
  const auto proc = ProcedureSet::builtin();
  const auto zone = load_time_zone("America/Lima").value();
  const auto c = catalog();
  OutboxMail m = sample('I', "window", "es");
  const std::string plain = mail::compose(m, proc.in_force(0), c, zone, "").text;
  EXPECT_EQ(plain.find("invitación de calendario"), std::string::npos) << plain;
  m.calendar = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
  const mail::MailText es = mail::compose(m, proc.in_force(0), c, zone, "");
  EXPECT_NE(es.text.find("invitación de calendario"), std::string::npos) << es.text;
  EXPECT_NE(es.html.find("invitación de calendario"), std::string::npos) << es.html;
  m.lang = "en";
  EXPECT_NE(mail::compose(m, proc.in_force(0), c, zone, "").text.find("calendar invitation"), std::string::npos);
}

TEST(MailMessage, AnInvitationTravelsAsTextCalendarWithTheSenderAsOrganizer) {
  OutboxMail m = sample('I', "window", "es");
  m.calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x@pasaprod\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  const mail::MailText t{"[PP-2026-0007] SIAGIE: ventana", "texto\n", "<p>texto</p>\n"};
  const std::string msg = mail::rfc5322(m, t, {"Pasaprod <pasaprod@minedu.gob.pe>", ""}, m.at);
  const auto part = msg.find("Content-Type: text/calendar; charset=UTF-8; method=REQUEST\r\nContent-Transfer-Encoding: base64\r\n\r\n");
  ASSERT_NE(part, std::string::npos);
  EXPECT_LT(msg.find("Content-Type: text/html"), part);  // the last alternative
  std::string b64 = msg.substr(msg.find("\r\n\r\n", part) + 4);
  b64 = b64.substr(0, b64.find("--"));
  std::erase(b64, '\r');
  std::erase(b64, '\n');
  std::string decoded(b64.size(), '\0');
  std::size_t len = 0;
  ASSERT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), b64.c_str(), b64.size(), nullptr, &len,
                              nullptr, sodium_base64_VARIANT_ORIGINAL),
            0);
  decoded.resize(len);
  EXPECT_NE(decoded.find("BEGIN:VEVENT\r\nORGANIZER;CN=pasaprod:mailto:pasaprod@minedu.gob.pe\r\nUID:x@pasaprod"), std::string::npos)
      << decoded;
  m.calendar.clear();
  EXPECT_EQ(mail::rfc5322(m, t, {"pasaprod@minedu.gob.pe", ""}, m.at).find("text/calendar"), std::string::npos);
}

TEST(MailMessage, TheMessageIdIsTheSameForEveryAttempt) {
  const OutboxMail m = sample('I', "prepare_report", "es");
  EXPECT_EQ(mail::message_id(m, "pasaprod@minedu.gob.pe"), mail::message_id(m, "Pasaprod <pasaprod@minedu.gob.pe>"));
  OutboxMail other = m;
  other.id = 43;
  EXPECT_NE(mail::message_id(m, "pasaprod@minedu.gob.pe"), mail::message_id(other, "pasaprod@minedu.gob.pe"));
}

TEST(Outbox, AnInvalidAddressIsRefusedWhenSetAndNothingChanges) {
  testing::MailOffice o;
  auto before = o.office().user("ana.funcional");
  ASSERT_TRUE(before);
  for (const std::string bad : {"ana", "ana@", "@minedu.gob.pe", "ana@@minedu.gob.pe", "ana funcional@minedu.gob.pe",
                                "ana@minedu.gob.pe\r\nBcc: x@evil.example", "ana@localhost", "ana@minedu..gob.pe"}) {
    User u = *before;
    u.email = bad;
    auto r = o.office().update_profile(Caller{"ana.funcional"}, u);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().id, "user.bad_email") << bad;
  }
  EXPECT_EQ(o.office().user("ana.funcional")->email, before->email);
  User cleared = *before;
  cleared.email = "";
  EXPECT_TRUE(o.office().update_profile(Caller{"ana.funcional"}, cleared)) << "no address: no mail";
}

TEST(Outbox, MailIsQueuedWithTheChangeForWhoeverTheRaciNamesWithAnAddress) {
  testing::MailOffice o;
  User ana = *o.office().user("julia.jefa");
  ana.email = "";
  ASSERT_TRUE(o.office().update_profile(Caller{"julia.jefa"}, ana));
  auto number = walk_demo_release(o.office(), "SIAGIE", "maintenance", "Reporte de actas", "pending_approval", nullptr);
  ASSERT_TRUE(number) << number.error().en;
  const auto all = o.mails();
  ASSERT_FALSE(all.empty());
  bool rosa_turn = false;
  for (const auto& m : all) {
    EXPECT_EQ(m.state, "queued");
    EXPECT_NE(m.username, "julia.jefa") << "no address, no mail";
    EXPECT_NE(m.username, m.actor) << "the actor is not told of their own step";
    if (m.username == "rosa.asi" && m.step == "turn:pre_approve" && m.raci == 'R') rosa_turn = true;
  }
  EXPECT_TRUE(rosa_turn);
  // Per event, a person gets at most one R and one A mail, and none for a way back or out.
  std::map<std::string, int> per_person;
  for (const auto& m : all) {
    if (m.raci == 'R' || m.raci == 'A') ++per_person[m.username + " " + std::to_string(m.event_seq) + " " + m.raci];
    EXPECT_EQ(m.step.find("cancel"), std::string::npos) << m.username << " " << m.step;
    EXPECT_EQ(m.step.find("reject"), std::string::npos) << m.username << " " << m.step;
  }
  for (const auto& [key, n] : per_person) EXPECT_EQ(n, 1) << key;
  // Only administrators see the outbox.
  auto denied = o.office().mails(Caller{"pedro.lider"}, "", 10, 0);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, Code::permission_denied);
}

TEST(Outbox, ARecordedWindowInvitesTheRequesterAndWhoDeploysAndARecordedAgainOneIsAnUpdate) {
  testing::MailOffice o;
  auto number = walk_demo_release(o.office(), "SIAGIE", "maintenance", "Reporte de actas", "submitted", nullptr);
  ASSERT_TRUE(number) << number.error().en;
  const auto invitations = [&] {
    std::map<std::string, std::vector<std::string>> by_user;  // username → calendars, oldest first
    auto all = o.mails();
    std::reverse(all.begin(), all.end());
    for (const auto& m : all) {
      if (m.release == *number && !m.calendar.empty()) by_user[m.username].push_back(m.calendar);
    }
    return by_user;
  };
  const auto before = invitations().size();
  EXPECT_EQ(before, 0u);
  const Caller lead{"pablo.produccion"};
  ASSERT_TRUE(o.office().record(lead, *number, "window", {{"from", "2030-03-10T22:00:00-05:00"}, {"to", "2030-03-11T01:00:00-05:00"}}));
  auto invited = invitations();
  ASSERT_TRUE(invited.count("pedro.lider")) << "the requester";
  ASSERT_TRUE(invited.count("oscar.operador")) << "who deploys in the window (R of the action guarded by within_window)";
  EXPECT_FALSE(invited.count("pablo.produccion")) << "not the one who recorded it";
  for (const auto& [user, calendars] : invited) {
    ASSERT_EQ(calendars.size(), 1u) << user;
    const std::string& c = calendars[0];
    EXPECT_NE(c.find("METHOD:REQUEST\r\n"), std::string::npos);
    EXPECT_NE(c.find("UID:" + *number + "-window@pasaprod\r\nSEQUENCE:0\r\n"), std::string::npos) << c;
    EXPECT_NE(c.find("DTSTART;TZID=America/Lima:20300310T220000\r\n"), std::string::npos) << c;
    EXPECT_NE(c.find("mailto:" + o.office().user(user)->email), std::string::npos) << c;
  }
  ASSERT_TRUE(o.office().record(lead, *number, "window", {{"from", "2030-03-12T22:00:00-05:00"}, {"to", "2030-03-13T01:00:00-05:00"}}));
  invited = invitations();
  ASSERT_EQ(invited["pedro.lider"].size(), 2u);
  EXPECT_NE(invited["pedro.lider"][1].find("UID:" + *number + "-window@pasaprod\r\nSEQUENCE:1\r\n"), std::string::npos);
  EXPECT_NE(invited["pedro.lider"][1].find("DTSTART;TZID=America/Lima:20300312T220000\r\n"), std::string::npos);
}

}  // namespace
}  // namespace pasaprod
