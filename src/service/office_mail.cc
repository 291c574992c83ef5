// The mail outbox (office.h): what administrators see and do, and what the sender claims.
#include "service/office.h"
#include "service/office_internal.h"

namespace pasaprod {

using nlohmann::json;
using office_internal::event;

namespace {

constexpr int kMaxMailPage = 500;

json mail_json(const OutboxMail& m) {
  return {{"id", m.id},           {"to", m.username},           {"address", m.address},     {"release", m.release},
          {"step", m.step},       {"state", m.state},           {"attempts", m.attempts},   {"last_error", m.last_error}};
}

Error mail_state_error(const OutboxMail& m, const char* es_allowed, const char* en_allowed) {
  return make_error(Code::invalid_argument, "mail.state",
                    "El correo " + std::to_string(m.id) + " está «" + m.state + "»; solo se puede con uno " + es_allowed + ".",
                    "Mail " + std::to_string(m.id) + " is \"" + m.state + "\"; this applies only to one " + en_allowed + ".")
      .with("state", m.state);
}

}  // namespace

Result<OutboxCounts> Office::mail_counts(const Caller& caller) {
  if (auto st = require_admin(caller); !st) return st.error();
  OutboxCounts counts;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    counts = tx.mail_counts();
    return ok_status();
  });
  if (!st) return st.error();
  return counts;
}

Result<std::vector<OutboxMail>> Office::mails(const Caller& caller, const std::string& state, int limit, int offset) {
  if (auto st = require_admin(caller); !st) return st.error();
  if (!state.empty() && state != "queued" && state != "sent" && state != "failed" && state != "dropped") {
    return make_error(Code::invalid_argument, "mail.filter", "Estado de correo desconocido: use queued, sent, failed o dropped.",
                      "Unknown mail state: use queued, sent, failed or dropped.")
        .with("field", "state");
  }
  std::vector<OutboxMail> out;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    out = tx.mails(state, std::clamp(limit, 1, kMaxMailPage), std::max(offset, 0));
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Result<OutboxMail> Office::retry_mail(const Caller& caller, std::int64_t id) {
  if (auto st = require_admin(caller); !st) return st.error();
  OutboxMail after;
  Status st = store_.write([&](WriteTx& tx) -> Status {
    auto m = tx.mail(id);
    if (!m) return m.error();
    if (m->state != "failed" && m->state != "dropped") return mail_state_error(*m, "fallido o descartado", "failed or dropped");
    after = *m;
    after.state = "queued";
    after.attempts = 0;
    after.next_attempt_at = clock_.now();
    after.claimed_until = 0;
    if (auto u = tx.update_mail(after); !u) return u;
    auto e = tx.append_event(event(caller, clock_.now(), "mail.retry", "mail-" + std::to_string(id), mail_json(*m), mail_json(after)));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return after;
}

Result<OutboxMail> Office::drop_mail(const Caller& caller, std::int64_t id) {
  if (auto st = require_admin(caller); !st) return st.error();
  OutboxMail after;
  Status st = store_.write([&](WriteTx& tx) -> Status {
    auto m = tx.mail(id);
    if (!m) return m.error();
    if (m->state != "queued" && m->state != "failed") return mail_state_error(*m, "en cola o fallido", "queued or failed");
    after = *m;
    after.state = "dropped";
    after.claimed_until = 0;
    if (auto u = tx.update_mail(after); !u) return u;
    auto e = tx.append_event(event(caller, clock_.now(), "mail.drop", "mail-" + std::to_string(id), mail_json(*m), mail_json(after)));
    return e ? ok_status() : Status(e.error());
  });
  if (!st) return st.error();
  return after;
}

Result<std::vector<OutboxMail>> Office::claim_mails(int limit, Timestamp hold_ms) {
  std::vector<OutboxMail> out;
  const Timestamp now = clock_.now();
  Status st = store_.write([&](WriteTx& tx) -> Status {
    out = tx.claim_mails(now, now + hold_ms, std::clamp(limit, 1, kMaxMailPage));
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Status Office::record_mail_result(OutboxMail mail) {
  mail.claimed_until = 0;
  return store_.write([&](WriteTx& tx) -> Status { return tx.update_mail(mail); });
}

}  // namespace pasaprod
