// PgTx: the mail outbox. Senders on several nodes claim mails with FOR UPDATE SKIP LOCKED, so
// a mail another sender is claiming right now is passed over instead of waited for.
#include <algorithm>

#include "storage/postgres/pg_tx.h"

namespace pasaprod::postgres {
namespace {

constexpr const char* kMailColumns =
    "id, username, name, address, lang, release, system, title, event_seq, step, raci, role, actor, at, state, "
    "attempts, next_attempt_at, claimed_until, last_error, sent_at, calendar, due_from, due_to";
// A held mail read like the outbox's first 14 columns (what and for whom), its letter always I.
constexpr const char* kHeldColumns = "id, username, name, address, lang, release, system, title, event_seq, step, 'I', role, actor, at";

// Who a mail is for and what it tells (columns 0–13 of kMailColumns and kHeldColumns).
OutboxMail who_and_what(const pg::Row& row) {
  OutboxMail m;
  m.id = row.integer(0);
  m.username = row.text(1);
  m.name = row.text(2);
  m.address = row.text(3);
  m.lang = row.text(4);
  m.release = row.text(5);
  m.system = row.text(6);
  m.title = row.text(7);
  m.event_seq = row.integer(8);
  m.step = row.text(9);
  const std::string_view raci = row.text_view(10);
  m.raci = raci.empty() ? 'I' : raci[0];
  m.role = row.text(11);
  m.actor = row.text(12);
  m.at = row.integer(13);
  return m;
}

OutboxMail mail_from(const pg::Row& row) {
  OutboxMail m = who_and_what(row);
  m.state = row.text(14);
  m.attempts = static_cast<int>(row.integer(15));
  m.next_attempt_at = row.integer(16);
  m.claimed_until = row.integer(17);
  m.last_error = row.text(18);
  m.sent_at = row.integer(19);
  m.calendar = row.text(20);
  m.due_from = row.integer(21);
  m.due_to = row.integer(22);
  return m;
}

}  // namespace

OutboxCounts PgTx::mail_counts() {
  OutboxCounts c;
  pg::Result r = db_.exec("SELECT state, COUNT(*), MIN(at) FROM outbox GROUP BY state");
  for (int i = 0; i < r.rows(); ++i) {
    const pg::Row row = r.row(i);
    const std::string_view state = row.text_view(0);
    const std::int64_t n = row.integer(1);
    if (state == "queued") {
      c.queued = n;
      c.oldest_queued_at = row.integer(2);
    } else if (state == "sent") {
      c.sent = n;
    } else if (state == "failed") {
      c.failed = n;
    } else if (state == "dropped") {
      c.dropped = n;
    }
  }
  c.held = db_.exec("SELECT COUNT(*) FROM mail_held WHERE digest_id IS NULL").row(0).integer(0);
  return c;
}

std::vector<OutboxMail> PgTx::mails(const std::string& state, int limit, int offset) {
  std::vector<OutboxMail> out;
  pg::Result r = db_.exec(std::string("SELECT ") + kMailColumns +
                              " FROM outbox WHERE ($1 = '' OR state = $1) ORDER BY id DESC LIMIT $2 OFFSET $3",
                          state, sql_limit(limit), sql_offset(offset));
  for (int i = 0; i < r.rows(); ++i) out.push_back(mail_from(r.row(i)));
  return out;
}

Result<OutboxMail> PgTx::mail(std::int64_t id) {
  pg::Result r = db_.exec(std::string("SELECT ") + kMailColumns + " FROM outbox WHERE id = $1", id);
  if (r.rows() == 0) {
    return make_error(Code::not_found, "mail.not_found",
                      "No hay un correo con el número " + std::to_string(id) + " en la bandeja de salida.",
                      "There is no mail number " + std::to_string(id) + " in the outbox.");
  }
  return mail_from(r.row(0));
}

std::vector<OutboxMail> PgTx::held_mails(const std::string& username, Timestamp before, int limit) {
  pg::Result r = db_.exec(std::string("SELECT ") + kHeldColumns +
                              " FROM mail_held WHERE digest_id IS NULL AND at < $1 AND ($2 = '' OR username = $2) "
                              "ORDER BY username, at, id LIMIT $3",
                          before, username, sql_limit(limit));
  std::vector<OutboxMail> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(who_and_what(r.row(i)));
  return out;
}

std::vector<OutboxMail> PgTx::digest_items(std::int64_t digest_id) {
  pg::Result r = db_.exec(std::string("SELECT ") + kHeldColumns + " FROM mail_held WHERE digest_id = $1 ORDER BY at, id", digest_id);
  std::vector<OutboxMail> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(who_and_what(r.row(i)));
  return out;
}

Result<std::int64_t> PgTx::enqueue_mail(const OutboxMail& m) {
  pg::Result r = db_.exec(
      "INSERT INTO outbox(username, name, address, lang, release, system, title, event_seq, step, raci, role, actor, "
      "at, state, attempts, next_attempt_at, claimed_until, last_error, sent_at, calendar, due_from, due_to) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) "
      "RETURNING id",
      m.username, m.name, m.address, m.lang, m.release, m.system, m.title, m.event_seq, m.step, std::string(1, m.raci),
      m.role, m.actor, m.at, m.state, m.attempts, m.next_attempt_at, m.claimed_until, m.last_error, m.sent_at,
      m.calendar, m.due_from, m.due_to);
  return r.row(0).integer(0);
}

std::vector<OutboxMail> PgTx::claim_mails(Timestamp now, Timestamp hold_until, int limit) {
  pg::Result r = db_.exec(std::string("UPDATE outbox SET claimed_until = $2 WHERE id IN (SELECT id FROM outbox "
                                      "WHERE state = 'queued' AND next_attempt_at <= $1 AND claimed_until <= $1 "
                                      "ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING ") +
                              kMailColumns,
                          now, hold_until, sql_limit(limit));
  std::vector<OutboxMail> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(mail_from(r.row(i)));
  std::sort(out.begin(), out.end(), [](const OutboxMail& a, const OutboxMail& b) { return a.id < b.id; });
  return out;
}

Status PgTx::update_mail(const OutboxMail& m) {
  pg::Result r = db_.exec(
      "UPDATE outbox SET state = $1, attempts = $2, next_attempt_at = $3, claimed_until = $4, last_error = $5, "
      "sent_at = $6 WHERE id = $7",
      m.state, m.attempts, m.next_attempt_at, m.claimed_until, m.last_error, m.sent_at, m.id);
  if (r.affected() == 0) return mail(m.id).error();
  return ok_status();
}

Status PgTx::hold_mail(const OutboxMail& m) {
  db_.exec(
      "INSERT INTO mail_held(username, name, address, lang, release, system, title, event_seq, step, role, actor, at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
      m.username, m.name, m.address, m.lang, m.release, m.system, m.title, m.event_seq, m.step, m.role, m.actor, m.at);
  return ok_status();
}

Status PgTx::attach_held_mails(const std::vector<std::int64_t>& ids, std::int64_t digest_id) {
  for (std::int64_t id : ids) db_.exec("UPDATE mail_held SET digest_id = $1 WHERE id = $2 AND digest_id IS NULL", digest_id, id);
  return ok_status();
}

}  // namespace pasaprod::postgres
