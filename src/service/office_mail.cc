// The mail outbox (office.h): what administrators see and do, and what the sender claims.
#include "auth/credentials.h"
#include "service/office.h"
#include "service/office_internal.h"
#include "util/sha256.h"

namespace pasaprod {

using nlohmann::json;
using office_internal::event;

namespace {

constexpr int kMaxMailPage = 500;
constexpr int kDigestBatch = 2000;  // held mails read per transaction by queue_mail_digests

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
    for (auto& m : out) {
      if (m.step == kDigestStep) m.items = tx.digest_items(m.id);
    }
    return ok_status();
  });
  if (!st) return st.error();
  return out;
}

Status Office::record_mail_result(OutboxMail mail) {
  mail.claimed_until = 0;
  return store_.write([&](WriteTx& tx) -> Status { return tx.update_mail(mail); });
}

Result<int> Office::queue_mail_digests(Timestamp before) {
  int digests = 0;
  for (;;) {
    office_internal::DigestBatch batch;
    Status st = store_.write([&](WriteTx& tx) -> Status {
      auto b = office_internal::queue_digests(tx, "", before, kDigestBatch, clock_.now());
      if (!b) return b.error();
      batch = *b;
      return ok_status();
    });
    if (!st) return st.error();
    digests += batch.digests;
    if (batch.read < kDigestBatch) return digests;
  }
}

std::string Office::mail_preference_token(const std::string& username, bool digest) const {
  return hmac_sha256_hex(document_key_, std::string("pasaprod mail preference\n") + username + "\n" + (digest ? "digest" : "each"))
      .substr(0, 32);
}

Status Office::check_mail_preference_link(const std::string& username, bool digest, const std::string& token) const {
  if (document_key_.empty() || !auth::equal_secrets(token, mail_preference_token(username, digest))) {
    return make_error(Code::permission_denied, "mail.preference_link",
                      "El enlace para cambiar cómo recibe el correo no es válido. Ábralo tal como llegó en el correo, o cambie la "
                      "preferencia en «Mi cuenta».",
                      "The link to change how you receive mail is not valid. Open it exactly as it came in the mail, or change the "
                      "preference in \"My account\".");
  }
  return ok_status();
}

Result<User> Office::set_mail_digest_by_link(const std::string& username, bool digest, const std::string& token) {
  if (auto st = check_mail_preference_link(username, digest, token); !st) return st.error();
  auto u = user(username);
  if (!u) return u.error();
  if (u->mail_digest == digest) return *u;
  User changed = *u;
  changed.mail_digest = digest;
  return update_profile(Caller{username}, changed);
}

Result<office_internal::DigestBatch> office_internal::queue_digests(WriteTx& tx, const std::string& username, Timestamp before,
                                                                    int limit, Timestamp now) {
  DigestBatch batch;
  std::vector<OutboxMail> held = tx.held_mails(username, before, limit);
  batch.read = static_cast<int>(held.size());
  // A full read may have cut its last person's mails: leave them whole for the next call.
  std::size_t end = held.size();
  if (batch.read == limit && !held.empty() && held.front().username != held.back().username) {
    while (end > 0 && held[end - 1].username == held.back().username) --end;
  }
  for (std::size_t i = 0; i < end;) {
    std::size_t j = i;
    while (j < end && held[j].username == held[i].username) ++j;
    const OutboxMail& newest = held[j - 1];
    OutboxMail d;
    d.username = newest.username;
    d.name = newest.name;
    d.address = newest.address;
    d.lang = newest.lang;
    d.event_seq = newest.event_seq;
    d.step = kDigestStep;
    d.raci = 'I';
    d.actor = "pasaprod";
    d.at = now;
    d.next_attempt_at = now;
    if (auto u = tx.user(d.username); !u || !u->active || u->email.empty()) {
      d.state = "dropped";
      d.last_error = !u || !u->active ? "la cuenta ya no está activa / the account is no longer active"
                                      : "la persona ya no tiene dirección de correo / the person has no mail address any more";
    } else {
      d.name = u->name;
      d.address = u->email;
      d.lang = u->lang;
    }
    auto id = tx.enqueue_mail(d);
    if (!id) return id.error();
    std::vector<std::int64_t> ids;
    for (std::size_t k = i; k < j; ++k) ids.push_back(held[k].id);
    if (auto a = tx.attach_held_mails(ids, *id); !a) return a.error();
    ++batch.digests;
    i = j;
  }
  return batch;
}

}  // namespace pasaprod
