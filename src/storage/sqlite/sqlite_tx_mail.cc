// SqliteTx: the mail outbox and the mail held for digests (store.h, schema versions 12, 13 and 15).
#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod::sqlite {
namespace {

constexpr const char* kMailColumns =
    "id, username, name, address, lang, release, system, title, event_seq, step, raci, role, actor, at, state, attempts, "
    "next_attempt_at, claimed_until, last_error, sent_at, calendar, due_from, due_to";
// A held mail read like the outbox's first 14 columns (what and for whom), its letter always I.
constexpr const char* kHeldColumns = "id, username, name, address, lang, release, system, title, event_seq, step, 'I', role, actor, at";

// Who a mail is for and what it tells (columns 0–13 of kMailColumns and kHeldColumns).
OutboxMail who_and_what(const Stmt& st) {
  OutboxMail m;
  m.id = st.integer(0);
  m.username = st.text(1);
  m.name = st.text(2);
  m.address = st.text(3);
  m.lang = st.text(4);
  m.release = st.text(5);
  m.system = st.text(6);
  m.title = st.text(7);
  m.event_seq = st.integer(8);
  m.step = st.text(9);
  const std::string raci = st.text(10);
  m.raci = raci.empty() ? 'I' : raci[0];
  m.role = st.text(11);
  m.actor = st.text(12);
  m.at = st.integer(13);
  return m;
}

OutboxMail mail_from(const Stmt& st) {
  OutboxMail m = who_and_what(st);
  m.state = st.text(14);
  m.attempts = static_cast<int>(st.integer(15));
  m.next_attempt_at = st.integer(16);
  m.claimed_until = st.integer(17);
  m.last_error = st.text(18);
  m.sent_at = st.integer(19);
  m.calendar = st.text(20);
  m.due_from = st.integer(21);
  m.due_to = st.integer(22);
  return m;
}

}  // namespace

OutboxCounts SqliteTx::mail_counts() {
  OutboxCounts c;
  Stmt st = db_.query("SELECT state, COUNT(*), MIN(at) FROM outbox GROUP BY state");
  while (st.step()) {
    const std::string state = st.text(0);
    const std::int64_t n = st.integer(1);
    if (state == "queued") {
      c.queued = n;
      c.oldest_queued_at = st.integer(2);
    } else if (state == "sent") {
      c.sent = n;
    } else if (state == "failed") {
      c.failed = n;
    } else if (state == "dropped") {
      c.dropped = n;
    }
  }
  Stmt held = db_.query("SELECT COUNT(*) FROM mail_held WHERE digest_id IS NULL");
  if (held.step()) c.held = held.integer(0);
  return c;
}

std::vector<OutboxMail> SqliteTx::mails(const std::string& state, int limit, int offset) {
  std::vector<OutboxMail> out;
  Stmt st = db_.query(std::string("SELECT ") + kMailColumns + " FROM outbox WHERE (? = '' OR state = ?) ORDER BY id DESC LIMIT ? OFFSET ?",
                      state, state, limit, offset);
  while (st.step()) out.push_back(mail_from(st));
  return out;
}

Result<OutboxMail> SqliteTx::mail(std::int64_t id) {
  Stmt st = db_.query(std::string("SELECT ") + kMailColumns + " FROM outbox WHERE id = ?", id);
  if (!st.step()) {
    return make_error(Code::not_found, "mail.not_found", "No hay un correo con el número " + std::to_string(id) + " en la bandeja de salida.",
                      "There is no mail number " + std::to_string(id) + " in the outbox.");
  }
  return mail_from(st);
}

std::vector<OutboxMail> SqliteTx::held_mails(const std::string& username, Timestamp before, int limit) {
  std::vector<OutboxMail> out;
  Stmt st = db_.query(std::string("SELECT ") + kHeldColumns +
                          " FROM mail_held WHERE digest_id IS NULL AND at < ? AND (? = '' OR username = ?) ORDER BY username, at, id LIMIT ?",
                      before, username, username, limit);
  while (st.step()) out.push_back(who_and_what(st));
  return out;
}

std::vector<OutboxMail> SqliteTx::digest_items(std::int64_t digest_id) {
  std::vector<OutboxMail> out;
  Stmt st = db_.query(std::string("SELECT ") + kHeldColumns + " FROM mail_held WHERE digest_id = ? ORDER BY at, id", digest_id);
  while (st.step()) out.push_back(who_and_what(st));
  return out;
}

Result<std::int64_t> SqliteTx::enqueue_mail(const OutboxMail& m) {
  db_.query(
         "INSERT INTO outbox(username, name, address, lang, release, system, title, event_seq, step, raci, role, actor, at, state, attempts, "
         "next_attempt_at, claimed_until, last_error, sent_at, calendar, due_from, due_to) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         m.username, m.name, m.address, m.lang, m.release, m.system, m.title, m.event_seq, m.step, std::string(1, m.raci), m.role, m.actor,
         m.at, m.state, m.attempts, m.next_attempt_at, m.claimed_until, m.last_error, m.sent_at, m.calendar, m.due_from, m.due_to)
      .run();
  return db_.last_insert_rowid();
}

std::vector<OutboxMail> SqliteTx::claim_mails(Timestamp now, Timestamp hold_until, int limit) {
  std::vector<OutboxMail> out;
  {
    Stmt st = db_.query(std::string("SELECT ") + kMailColumns +
                            " FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? AND claimed_until <= ? ORDER BY id LIMIT ?",
                        now, now, limit);
    while (st.step()) out.push_back(mail_from(st));
  }
  for (auto& m : out) {
    db_.query("UPDATE outbox SET claimed_until = ? WHERE id = ?", hold_until, m.id).run();
    m.claimed_until = hold_until;
  }
  return out;
}

Status SqliteTx::update_mail(const OutboxMail& m) {
  db_.query("UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, claimed_until = ?, last_error = ?, sent_at = ? WHERE id = ?",
            m.state, m.attempts, m.next_attempt_at, m.claimed_until, m.last_error, m.sent_at, m.id)
      .run();
  if (db_.changes() == 0) return mail(m.id).error();
  return ok_status();
}

Status SqliteTx::hold_mail(const OutboxMail& m) {
  db_.query(
         "INSERT INTO mail_held(username, name, address, lang, release, system, title, event_seq, step, role, actor, at) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         m.username, m.name, m.address, m.lang, m.release, m.system, m.title, m.event_seq, m.step, m.role, m.actor, m.at)
      .run();
  return ok_status();
}

Status SqliteTx::attach_held_mails(const std::vector<std::int64_t>& ids, std::int64_t digest_id) {
  for (std::int64_t id : ids) db_.query("UPDATE mail_held SET digest_id = ? WHERE id = ? AND digest_id IS NULL", digest_id, id).run();
  return ok_status();
}

}  // namespace pasaprod::sqlite
