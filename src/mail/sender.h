// The mail sender: delivers the outbox (Office::claim_mails) over a Transport, on its own
// thread, never on the HTTP threads.
//
// In order: a mail that cannot go because the server is unreachable is kept due now and the
// sender pauses (1 s, doubling to `max_pause`), then starts again from the oldest. A mail the
// server defers (4xx) is retried later (1 min, doubling to 1 h) up to `max_attempts`, then
// failed; one it refuses (5xx) is failed at once with the reason. Each mail is claimed before
// it is sent and marked sent after: a sender killed in between sends it again after the hold,
// with the same Message-ID.
//
// Daily digests: at `digest_minute` of each day in the office's time zone (and at the first
// pass after it, e.g. when the server was down then), the informed mail held for people who
// take it as a digest is queued as one digest each (Office::queue_mail_digests), then sent
// like any mail. Every mail carries a link that switches the person's choice.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "mail/message.h"
#include "mail/smtp.h"
#include "service/office.h"
#include "web/catalog.h"

namespace pasaprod::mail {

struct SenderOptions {
  Envelope envelope;
  std::string public_url;                       // links in mails ("" = none)
  int batch = 50;                               // mails claimed at a time
  Timestamp hold_ms = 5 * 60 * 1000;            // how long a claim holds
  std::chrono::milliseconds poll{1000};         // how often the outbox is looked at when idle
  std::chrono::milliseconds first_pause{1000};  // after the server is found down
  std::chrono::milliseconds max_pause{5 * 60 * 1000};
  Timestamp first_retry_ms = 60 * 1000;         // after a deferral (4xx)
  Timestamp max_retry_ms = 60 * 60 * 1000;
  int max_attempts = 12;
  int digest_minute = 8 * 60;                   // daily digests at this local time (minutes after midnight)
  int nice = 10;  // added to the sender thread's nice value (0 = none): requests go first
};

// What one pass did.
struct PassResult {
  int sent = 0, failed = 0, deferred = 0;
  bool server_down = false;
  std::string last_error;
};

class Sender {
 public:
  Sender(Office& office, std::unique_ptr<Transport> transport, SenderOptions options);
  ~Sender();  // stops the thread
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // One pass over what is due now, in the caller's thread (tests, `mail send`): claims and
  // sends until nothing is due or the server is down.
  PassResult pass();

  // Runs passes on a thread of its own, at options.nice, until stop().
  void start();
  void stop();
  // Wakes the thread: something was queued (or the operator asked).
  void wake();

 private:
  void run();
  Status deliver(OutboxMail& mail, PassResult& result, Timestamp now);
  void queue_digests_if_due(Timestamp now);

  Office& office_;
  std::unique_ptr<Transport> transport_;
  SenderOptions options_;
  web::Catalog catalog_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false, woken_ = false;
  Timestamp digests_until_ = 0;  // the last digest time whose digests were queued
  std::thread thread_;
};

}  // namespace pasaprod::mail
