// The outbox delivered to a real SMTP server (Debian's aiosmtpd) on loopback: every mail once,
// to the address and in the language of the person the RACI names, in order after the server
// was down, and a refused recipient failed with the reason while the others go on.
#include <gtest/gtest.h>

#include <set>

#include "mail/sender.h"
#include "mail_office.h"
#include "service/demo.h"

namespace pasaprod {
namespace {

mail::SenderOptions options() {
  mail::SenderOptions o;
  o.envelope = {"Pasaprod <pasaprod@minedu.gob.pe>", ""};
  o.public_url = "https://pasaprod.example.pe";
  return o;
}

mail::SmtpConfig smtp(const testing::SmtpServer& server) {
  mail::SmtpConfig c;
  c.url = server.url();
  c.starttls = "off";
  c.timeout_seconds = 5;
  return c;
}

TEST(MailDelivery, AMaintenanceAndAnEmergencyWalkDeliverEveryQueuedMailOnceInTheRecipientsLanguage) {
  testing::MailOffice o;
  User carla = *o.office().user("carla.calidad");
  carla.lang = "en";
  ASSERT_TRUE(o.office().update_profile(Caller{"carla.calidad"}, carla));
  auto maintenance = walk_demo_release(o.office(), "SIAGIE", "maintenance", "Reporte de actas", "closed", nullptr);
  ASSERT_TRUE(maintenance) << maintenance.error().en;
  auto emergency = walk_demo_release(o.office(), "SIAGIE", "emergency", "Caída de matrícula", "closed", nullptr);
  ASSERT_TRUE(emergency) << emergency.error().en;
  const auto queued = o.mails("queued");
  ASSERT_GT(queued.size(), 20u);

  testing::SmtpServer server(o.dir() / "maildir");
  server.start();
  mail::Sender sender(o.office(), mail::make_smtp_transport(smtp(server)), options());
  const mail::PassResult r = sender.pass();
  EXPECT_FALSE(r.server_down) << r.last_error;
  EXPECT_EQ(r.sent, static_cast<int>(queued.size()));
  EXPECT_TRUE(o.mails("queued").empty());

  const auto got = server.received();
  ASSERT_EQ(got.size(), queued.size());
  std::multiset<std::string> expected, delivered;
  for (const auto& m : queued) expected.insert(m.address + " " + m.release + " " + m.step);
  for (const auto& msg : got) {
    const std::string subject = msg.headers.at("subject");
    const std::string release = subject.substr(1, subject.find(']') - 1);
    delivered.insert(msg.headers.at("to") + " " + release);
    EXPECT_NE(msg.text.find("https://pasaprod.example.pe/releases/" + release), std::string::npos) << msg.text;
    if (msg.headers.at("to") == "carla.calidad@minedu.gob.pe") {
      EXPECT_NE(msg.text.find("Hello "), std::string::npos) << msg.text;
    } else {
      EXPECT_NE(msg.text.find("Hola, "), std::string::npos) << msg.text;
    }
  }
  std::multiset<std::string> expected_to;
  for (const auto& m : queued) expected_to.insert(m.address + " " + m.release);
  EXPECT_EQ(delivered, expected_to);
  // One Message-ID per mail.
  std::set<std::string> ids;
  for (const auto& msg : got) ids.insert(msg.headers.at("message-id"));
  EXPECT_EQ(ids.size(), got.size());
  // A second pass sends nothing again.
  EXPECT_EQ(sender.pass().sent, 0);
  EXPECT_EQ(server.received().size(), got.size());
}

TEST(MailDelivery, AServerDownForAWhileLosesNothingAndSendsEachMailOnceInOrder) {
  testing::MailOffice o;
  auto number = walk_demo_release(o.office(), "SIAGIE", "maintenance", "Reporte de actas", "approved", nullptr);
  ASSERT_TRUE(number) << number.error().en;
  const auto queued = o.mails("queued");
  ASSERT_FALSE(queued.empty());

  testing::SmtpServer server(o.dir() / "maildir");  // not started: nothing listens on its port
  mail::Sender sender(o.office(), mail::make_smtp_transport(smtp(server)), options());
  for (int i = 0; i < 3; ++i) {
    const mail::PassResult down = sender.pass();
    EXPECT_TRUE(down.server_down);
    EXPECT_EQ(down.sent, 0);
  }
  const auto still = o.mails("queued");
  EXPECT_EQ(still.size(), queued.size()) << "nothing lost, nothing failed";
  const OutboxMail& oldest = still.back();  // mails() lists newest first
  EXPECT_EQ(oldest.attempts, 3) << "only the oldest was tried";
  EXPECT_FALSE(oldest.last_error.empty());
  EXPECT_EQ(oldest.claimed_until, 0) << "the claims were let go";

  server.start();
  const mail::PassResult up = sender.pass();
  EXPECT_FALSE(up.server_down) << up.last_error;
  EXPECT_EQ(up.sent, static_cast<int>(queued.size()));
  EXPECT_EQ(server.received().size(), queued.size());
  // Sent in the order they were queued.
  auto sent = o.mails("sent");
  std::sort(sent.begin(), sent.end(), [](const OutboxMail& a, const OutboxMail& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < sent.size(); ++i) EXPECT_LE(sent[i - 1].sent_at, sent[i].sent_at);
}

TEST(MailDelivery, AClaimThatDiedIsSentAgainAfterTheHoldWithTheSameMessageId) {
  testing::MailOffice o;
  auto number = walk_demo_release(o.office(), "SIAGIE", "maintenance", "Reporte de actas", "in_qa", nullptr);
  ASSERT_TRUE(number) << number.error().en;
  const auto queued = o.mails("queued");
  ASSERT_FALSE(queued.empty());
  // A sender claims everything and dies before sending.
  auto claimed = o.office().claim_mails(500, 60 * 1000);
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), queued.size());

  testing::SmtpServer server(o.dir() / "maildir");
  server.start();
  mail::Sender sender(o.office(), mail::make_smtp_transport(smtp(server)), options());
  EXPECT_EQ(sender.pass().sent, 0) << "held by the dead sender";
  o.clock().advance_ms(61 * 1000);
  EXPECT_EQ(sender.pass().sent, static_cast<int>(queued.size()));
  std::set<std::string> ids;
  for (const auto& msg : server.received()) ids.insert(msg.headers.at("message-id"));
  std::set<std::string> expected;
  for (const auto& m : queued) expected.insert(mail::message_id(m, "pasaprod@minedu.gob.pe"));
  EXPECT_EQ(ids, expected);
}

TEST(MailDelivery, ARefusedRecipientIsFailedWithTheReasonAndTheOthersGoOnAndAnAdminCanRetryOrDropIt) {
  testing::MailOffice o;
  User rosa = *o.office().user("rosa.asi");
  rosa.email = "nobody.rosa@minedu.gob.pe";
  ASSERT_TRUE(o.office().update_profile(Caller{"rosa.asi"}, rosa));
  auto number = walk_demo_release(o.office(), "SIAGIE", "maintenance", "Reporte de actas", "pending_approval", nullptr);
  ASSERT_TRUE(number) << number.error().en;
  const auto queued = o.mails("queued");

  testing::SmtpServer server(o.dir() / "maildir");
  server.start();
  mail::Sender sender(o.office(), mail::make_smtp_transport(smtp(server)), options());
  const mail::PassResult r = sender.pass();
  ASSERT_GE(r.failed, 1);
  EXPECT_EQ(r.sent + r.failed, static_cast<int>(queued.size()));
  const auto failed = o.mails("failed");
  ASSERT_EQ(failed.size(), static_cast<std::size_t>(r.failed));
  for (const auto& m : failed) {
    EXPECT_EQ(m.address, "nobody.rosa@minedu.gob.pe");
    EXPECT_NE(m.last_error.find("550"), std::string::npos) << m.last_error;
  }
  EXPECT_EQ(server.received().size(), static_cast<std::size_t>(r.sent));

  // Retry: queued again (audited); refused again. Drop: never sent (audited). Not for others.
  const Caller admin{"admin", true};
  auto again = o.office().retry_mail(admin, failed.front().id);
  ASSERT_TRUE(again) << again.error().en;
  EXPECT_EQ(again->state, "queued");
  EXPECT_EQ(sender.pass().failed, 1);
  auto dropped = o.office().drop_mail(admin, failed.front().id);
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->state, "dropped");
  auto not_sent = o.office().drop_mail(admin, o.mails("sent").front().id);
  ASSERT_FALSE(not_sent);
  EXPECT_EQ(not_sent.error().id, "mail.state");
  auto denied = o.office().retry_mail(Caller{"pedro.lider"}, failed.front().id);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, Code::permission_denied);
}

}  // namespace
}  // namespace pasaprod
