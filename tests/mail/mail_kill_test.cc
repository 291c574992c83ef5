// The outbox through the real server (issue 15): `pasaprod serve --smtp-url` SIGKILLed while it
// sends to a real SMTP server (Debian's aiosmtpd, slowed down so that the kill falls in the
// middle), then started again: no mail is lost, and the only mails received twice are those
// the killed sender had claimed, each again with its own Message-ID, so the receiving side can
// drop the copy.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <set>
#include <thread>

#include "api_office.h"
#include "mail_office.h"

namespace apitest {
namespace {

// The outbox mail id in "<pasaprod.ID.SEQ@domain>"; -1 when it is not one of ours.
std::int64_t mail_id(const std::string& message_id) {
  const std::string prefix = "<pasaprod.";
  if (message_id.rfind(prefix, 0) != 0) return -1;
  return std::stoll(message_id.substr(prefix.size(), message_id.find('.', prefix.size()) - prefix.size()));
}

template <typename Pred>
bool wait_until(Pred pred, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST(MailKill, ASenderKilledWhileSendingLosesNoMailAndSendsAgainOnlyWhatItHeldWithTheSameMessageId) {
  auto office = Office::demo();  // the demo's requests queue mail; no SMTP yet
  const json before = office->admin().get("/api/v1/mail?limit=500").expect(200).json();
  const std::string admin_token = office->admin().token;
  ASSERT_FALSE(admin_token.empty());
  const int queued = before["queued"].get<int>();
  ASSERT_GE(queued, 30) << "the demo queues mail";
  ASSERT_EQ(office->stop(), 0);

  pasaprod::testing::SmtpServer smtp(office->dir() / "maildir", 40);  // 40 ms a message
  smtp.start();
  ServeOptions with_mail;
  with_mail.global = office->global_args();
  with_mail.extra = {"--smtp-url", smtp.url(), "--smtp-starttls", "off", "--mail-from", "Pasaprod <pasaprod@minedu.gob.pe>",
                     "--public-url", "https://pasaprod.example.pe", "--mail-claim-hold", "3"};
  {
    ServerProcess server(office->db(), with_mail);
    server.start();
    ASSERT_TRUE(wait_until([&] { return smtp.received().size() >= 5; }, 60s)) << server.output();
    ASSERT_EQ(::kill(server.pid(), SIGKILL), 0);
    EXPECT_EQ(server.wait_exit(60s), 128 + SIGKILL);
  }
  const std::size_t at_kill = smtp.received().size();
  ASSERT_LT(at_kill, static_cast<std::size_t>(queued)) << "everything was sent before the kill: nothing was tested";

  json after;
  {
    ServerProcess server(office->db(), with_mail);
    server.start();
    Api admin(server.port(), "admin");
    admin.token = admin_token;
    const bool drained = wait_until(
        [&] {
          after = admin.get("/api/v1/mail?limit=500").expect(200).json();
          return after["queued"].get<int>() == 0;
        },
        120s);
    ASSERT_TRUE(drained) << after.dump() << "\n" << server.output();
    EXPECT_EQ(server.stop(), 0) << server.output();
  }
  std::set<std::int64_t> outbox;
  for (const auto& m : after["items"]) {
    EXPECT_EQ(m["state"], "sent") << m.dump();
    outbox.insert(m["id"].get<std::int64_t>());
  }
  EXPECT_EQ(outbox.size(), static_cast<std::size_t>(queued)) << "no mail was queued or lost meanwhile";

  std::map<std::string, int> copies;  // Message-ID → times received
  for (const auto& msg : smtp.received()) ++copies[msg.headers.at("message-id")];
  std::set<std::int64_t> delivered;
  int again = 0;
  for (const auto& [id, n] : copies) {
    EXPECT_TRUE(outbox.count(mail_id(id))) << "a message that is not in the outbox: " << id;
    delivered.insert(mail_id(id));
    EXPECT_LE(n, 2) << id << ": sent again more than once";
    again += n - 1;
  }
  EXPECT_EQ(delivered, outbox) << "every mail reached the server";
  EXPECT_LE(again, 50) << "only what the killed sender held (one batch) may be sent again";
}

}  // namespace
}  // namespace apitest
