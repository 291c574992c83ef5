// The mail sender (sender.h).
#include "mail/sender.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "web/assets.h"

namespace pasaprod::mail {

namespace {

web::Catalog load_catalog() {
  web::Assets assets;
  auto c = web::Catalog::parse(assets.get("i18n/es.json").value_or("{}"), assets.get("i18n/en.json").value_or("{}"));
  return c ? std::move(*c) : *web::Catalog::parse("{}", "{}");
}

Timestamp backoff(Timestamp first, Timestamp max, int attempts) {
  Timestamp d = first;
  for (int i = 1; i < attempts && d < max; ++i) d *= 2;
  return std::min(d, max);
}

// The latest instant at or before `now` whose wall time in `zone` is `minute` after midnight.
Timestamp latest_daily(Timestamp now, int minute, const TimeZone& zone) {
  constexpr Timestamp kDay = 24 * 3600 * 1000;
  const Timestamp local = zone.to_local(now);
  Timestamp at = local - ((local % kDay) + kDay) % kDay + static_cast<Timestamp>(minute) * 60 * 1000;
  if (at > local) at -= kDay;
  return std::min(zone.from_local(at), now);
}

}  // namespace

Sender::Sender(Office& office, std::unique_ptr<Transport> transport, SenderOptions options)
    : office_(office), transport_(std::move(transport)), options_(std::move(options)), catalog_(load_catalog()) {}

Sender::~Sender() { stop(); }

Status Sender::deliver(OutboxMail& m, PassResult& result, Timestamp now) {
  Preference preference;
  if (auto u = office_.user(m.username)) preference.digest = u->mail_digest;
  const std::string token = office_.mail_preference_token(m.username, !preference.digest);
  preference.switch_url = preference_url(options_.public_url, m.username, !preference.digest, token);
  const MailText text = compose(m, office_.current_procedure(), catalog_, *office_.time_zone(), options_.public_url, preference);
  const SendResult r = transport_->send(bare_address(options_.envelope.from), m.address, rfc5322(m, text, options_.envelope, now));
  ++m.attempts;
  switch (r.outcome) {
    case SendResult::Outcome::sent:
      m.state = "sent";
      m.sent_at = now;
      m.last_error.clear();
      ++result.sent;
      break;
    case SendResult::Outcome::refused:
      m.state = "failed";
      m.last_error = r.error;
      ++result.failed;
      break;
    case SendResult::Outcome::retry_later:
      m.last_error = r.error;
      if (m.attempts >= options_.max_attempts) {
        m.state = "failed";
        ++result.failed;
      } else {
        m.next_attempt_at = now + backoff(options_.first_retry_ms, options_.max_retry_ms, m.attempts);
        ++result.deferred;
      }
      break;
    case SendResult::Outcome::server_down:
      m.last_error = r.error;  // stays due now: the pause keeps the order
      result.server_down = true;
      result.last_error = r.error;
      break;
  }
  if (r.outcome != SendResult::Outcome::sent && r.outcome != SendResult::Outcome::server_down) result.last_error = r.error;
  return office_.record_mail_result(m);
}

void Sender::queue_digests_if_due(Timestamp now) {
  const Timestamp due = latest_daily(now, options_.digest_minute, *office_.time_zone());
  if (due <= digests_until_) return;
  auto n = office_.queue_mail_digests(due);
  if (!n) {
    spdlog::error("correo: no se pudieron preparar los resúmenes diarios / mail: could not queue the daily digests: {}", n.error().en);
    return;
  }
  digests_until_ = due;
  if (*n > 0) spdlog::info("mail: {} daily digests queued", *n);
}

PassResult Sender::pass() {
  PassResult result;
  queue_digests_if_due(office_.now());
  for (;;) {
    auto batch = office_.claim_mails(options_.batch, options_.hold_ms);
    if (!batch) {
      result.server_down = true;
      result.last_error = batch.error().en;
      return result;
    }
    if (batch->empty()) return result;
    for (std::size_t i = 0; i < batch->size(); ++i) {
      OutboxMail& m = (*batch)[i];
      if (result.server_down) {
        (void)office_.record_mail_result(m);  // lets the claim go, unchanged
        continue;
      }
      if (auto st = deliver(m, result, office_.now()); !st) spdlog::error("mail {}: {}", m.id, st.error().en);
    }
    if (result.server_down) return result;
  }
}

void Sender::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void Sender::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Sender::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Sender::run() {
  // Background work: the request threads come first when the CPU is short (Linux: a thread's
  // own nice value; lowering its priority needs no privilege, and a refusal changes nothing else).
  if (options_.nice > 0) {
    const id_t self = static_cast<id_t>(::gettid());
    const int niceness = std::min(19, ::getpriority(PRIO_PROCESS, self) + options_.nice);
    if (::setpriority(PRIO_PROCESS, self, niceness) != 0) spdlog::warn("mail: the sender thread keeps its priority: setpriority failed");
  }
  std::chrono::milliseconds pause = options_.first_pause;
  for (;;) {
    const PassResult r = pass();
    std::chrono::milliseconds wait = options_.poll;
    if (r.server_down) {
      spdlog::warn("correo: el servidor SMTP no responde; se reintenta en {} s / mail: the SMTP server is down; retrying in {} s: {}",
                   pause.count() / 1000.0, pause.count() / 1000.0, r.last_error);
      wait = pause;
      pause = std::min(pause * 2, options_.max_pause);
    } else {
      pause = options_.first_pause;
      if (r.sent + r.failed > 0) spdlog::info("mail: {} sent, {} failed, {} deferred", r.sent, r.failed, r.deferred);
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, wait, [this] { return stop_ || woken_; });
    if (stop_) return;
    woken_ = false;
  }
}

}  // namespace pasaprod::mail
