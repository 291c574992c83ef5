// Shared Store suite, part 2: transactions (atomicity, optimistic concurrency, snapshots),
// threads, the release counter and the audit trail.
#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "audit/chain.h"
#include "tests/store/store_suite.h"

namespace pasaprod::testing_store {
namespace {

const std::string kNumber = "PP-2026-0001";

TEST_P(StoreSuite, BumpReleaseChecksRowVersion) {
  write_ok([&](WriteTx& tx) { return tx.insert_release(sample_release(kNumber, 1000)); });
  write_ok([&](WriteTx& tx) { return tx.bump_release(kNumber, 0, "in_qa", 2000); });
  read([&](ReadTx& tx) {
    auto r = tx.release(kNumber);
    EXPECT_EQ(r->row_version, 1);
    EXPECT_EQ(r->state, "in_qa");
    EXPECT_EQ(r->updated_at, 2000);
    EXPECT_EQ(r->created_at, 1000);
  });

  // A stale version: conflict, and nothing the transaction did before survives.
  Status st = store_->write([&](WriteTx& tx) -> Status {
    if (auto s = tx.add_transition(kNumber, {"qa_accept", "in_qa", "qa_approved", "q", "", 3000,
                                             ""});
        !s) {
      return s;
    }
    if (auto e = tx.append_event(sample_event(kNumber, 1)); !e) return e.error();
    return tx.bump_release(kNumber, 0, "qa_approved", 3000);
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::conflict);
  EXPECT_NE(st.error().es.find("cambió mientras usted trabajaba"), std::string::npos);
  EXPECT_NE(st.error().en.find("changed while you were working"), std::string::npos);
  EXPECT_NE(st.error().es.find(kNumber), std::string::npos);
  read([&](ReadTx& tx) {
    auto r = tx.release(kNumber);
    EXPECT_EQ(r->row_version, 1);
    EXPECT_EQ(r->state, "in_qa");
    EXPECT_EQ(r->updated_at, 2000);
    EXPECT_TRUE(r->transitions.empty());
    EXPECT_EQ(tx.last_event(), std::nullopt);
  });

  Status missing = store_->write(
      [&](WriteTx& tx) { return tx.bump_release("PP-2026-0404", 0, "in_qa", 1); });
  EXPECT_EQ(missing.error().code, Code::not_found);
}

// Does one of everything, then fails via `fail`.
void write_everything_then(Store& store, const std::function<Status()>& fail) {
  (void)store.write([&](WriteTx& tx) -> Status {
    EXPECT_TRUE(tx.insert_user(sample_user("ana")).ok());
    EXPECT_TRUE(tx.insert_system(sample_system("SIGA")).ok());
    EXPECT_EQ(tx.next_release_seq(2026), 1);
    EXPECT_TRUE(tx.insert_release(sample_release(kNumber, 1000)).ok());
    EXPECT_TRUE(tx.put_file(kNumber, {"source_code", "a.zip", 1, "aa", "ana", 1}).ok());
    EXPECT_TRUE(tx.add_record(kNumber, {0, "window", {{"from", "x"}}, "ana", 1, "", {}}).ok());
    EXPECT_TRUE(tx.put_setting("k", "v").ok());
    EXPECT_TRUE(tx.insert_freeze({0, 1, 2, "r", "ana", 1}).ok());
    EXPECT_TRUE(tx.append_event(sample_event(kNumber, 1)).ok());
    // The transaction sees its own changes.
    EXPECT_TRUE(tx.user("ana").ok());
    EXPECT_EQ(tx.release(kNumber)->files.size(), 1u);
    return fail();
  });
}

void expect_empty(Store& store) {
  Status st = store.read([&](ReadTx& tx) {
    EXPECT_TRUE(tx.users().empty());
    EXPECT_TRUE(tx.systems().empty());
    EXPECT_EQ(tx.release(kNumber).error().code, Code::not_found);
    EXPECT_EQ(tx.releases({}).total, 0);
    EXPECT_EQ(tx.setting("k"), std::nullopt);
    EXPECT_TRUE(tx.freezes().empty());
    EXPECT_EQ(tx.last_event(), std::nullopt);
    return ok_status();
  });
  ASSERT_TRUE(st.ok());
  // The release number was not consumed.
  st = store.write([&](WriteTx& tx) {
    EXPECT_EQ(tx.next_release_seq(2026), 1);
    return make_error(Code::internal, "test.rollback", "deshacer", "roll back");
  });
  EXPECT_FALSE(st.ok());
}

TEST_P(StoreSuite, ErrorInsideWriteRollsBackEverything) {
  write_everything_then(*store_, [] {
    return Status(make_error(Code::failed_precondition, "test.refused", "rechazado", "refused"));
  });
  expect_empty(*store_);
}

TEST_P(StoreSuite, ExceptionInsideWriteRollsBackAndPropagates) {
  EXPECT_THROW(write_everything_then(*store_, []() -> Status { throw std::runtime_error("boom"); }),
               std::runtime_error);
  expect_empty(*store_);
  // The store is still usable.
  write_ok([&](WriteTx& tx) { return tx.put_setting("after", "ok"); });
}

TEST_P(StoreSuite, NextReleaseSeqPerYearNeverReused) {
  std::vector<std::int64_t> got;
  for (int i = 0; i < 3; ++i) {
    write_ok([&](WriteTx& tx) {
      got.push_back(tx.next_release_seq(2026));
      got.push_back(tx.next_release_seq(2026));
      return ok_status();
    });
  }
  write_ok([&](WriteTx& tx) {
    got.push_back(tx.next_release_seq(2027));
    return ok_status();
  });
  EXPECT_EQ(got, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 1}));
}

TEST_P(StoreSuite, AppendEventChainsHashes) {
  std::vector<AuditEvent> appended;
  for (int i = 1; i <= 3; ++i) {
    write_ok([&](WriteTx& tx) -> Status {
      AuditEvent e = sample_event(i == 2 ? "bob" : kNumber, i);
      e.seq = 99;          // ignored: the store assigns seq, prev_hash and hash
      e.prev_hash = "x";
      auto done = tx.append_event(e);
      if (!done) return done.error();
      appended.push_back(*done);
      return ok_status();
    });
  }
  ASSERT_EQ(appended.size(), 3u);
  EXPECT_EQ(appended[0].seq, 1);
  EXPECT_EQ(appended[0].prev_hash, "");
  for (std::size_t i = 0; i < appended.size(); ++i) {
    EXPECT_EQ(appended[i].hash, audit::event_hash(appended[i]));
    if (i > 0) {
      EXPECT_EQ(appended[i].prev_hash, appended[i - 1].hash);
    }
  }
  read([&](ReadTx& tx) {
    auto all = tx.events("", 0, 100);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[2].hash, appended[2].hash);
    EXPECT_EQ(all[1].before, appended[1].before);
    EXPECT_EQ(all[1].after, appended[1].after);
    EXPECT_EQ(tx.last_event()->seq, 3);
    auto mine = tx.events(kNumber, 0, 100);
    ASSERT_EQ(mine.size(), 2u);
    EXPECT_EQ(mine[1].seq, 3);
    auto page = tx.events("", 1, 1);
    ASSERT_EQ(page.size(), 1u);
    EXPECT_EQ(page[0].seq, 2);
    std::size_t i = 0;
    auto report = audit::verify_chain([&]() -> std::optional<AuditEvent> {
      if (i == all.size()) return std::nullopt;
      return all[i++];
    });
    EXPECT_TRUE(report.ok);
    EXPECT_EQ(report.events_checked, 3);
  });
}

TEST_P(StoreSuite, ReadSeesOneSnapshot) {
  write_ok([&](WriteTx& tx) { return tx.put_setting("k", "1"); });
  read([&](ReadTx& tx) {
    EXPECT_EQ(tx.setting("k"), "1");
    std::thread writer([&] {
      Status st = store_->write([&](WriteTx& w) { return w.put_setting("k", "2"); });
      EXPECT_TRUE(st.ok());
    });
    writer.join();
    EXPECT_EQ(tx.setting("k"), "1");
  });
  read([&](ReadTx& tx) { EXPECT_EQ(tx.setting("k"), "2"); });
}

TEST_P(StoreSuite, ConcurrentThreadsKeepTheChainAndCounterLinear) {
  constexpr int kThreads = 4;
  constexpr int kWrites = 25;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::int64_t> seqs;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        Status st = store_->write([&](WriteTx& tx) -> Status {
          std::int64_t n = tx.next_release_seq(2026);
          {
            std::lock_guard<std::mutex> lock(mu);
            seqs.insert(n);
          }
          auto e = tx.append_event(sample_event("t" + std::to_string(t), i));
          return e ? ok_status() : Status(e.error());
        });
        if (!st.ok()) ++failures;
        Status rd = store_->read([](ReadTx& tx) {
          (void)tx.releases({});
          return ok_status();
        });
        if (!rd.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(seqs.size(), static_cast<std::size_t>(kThreads * kWrites));
  EXPECT_EQ(*seqs.rbegin(), kThreads * kWrites);
  read([&](ReadTx& tx) {
    auto all = tx.events("", 0, 1000);
    ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kWrites));
    std::size_t i = 0;
    auto report = audit::verify_chain([&]() -> std::optional<AuditEvent> {
      if (i == all.size()) return std::nullopt;
      return all[i++];
    });
    EXPECT_TRUE(report.ok) << (report.problems.empty() ? "" : report.problems[0].en);
  });
}

}  // namespace
}  // namespace pasaprod::testing_store

namespace pasaprod::testing_store {
namespace {

// A blob is referenced while a deliverable file or a generated document names it; replacing or
// removing the file lets it go.
TEST_P(StoreSuite, BlobReferencedByFilesAndDocuments) {
  const std::string file_blob(64, 'a'), doc_blob(64, 'b'), other(64, 'c');
  write_ok([&](WriteTx& tx) -> Status {
    if (auto s = tx.insert_release(sample_release(kNumber, 1000)); !s) return s;
    if (auto s = tx.put_file(kNumber, {"source_code", "app.zip", 10, file_blob, "ana", 1}); !s) return s;
    IssuedDocument d;
    d.release = kNumber;
    d.kind = "informe_pase";
    d.step = "prepare_report";
    d.name = "informe.pdf";
    d.sha256 = doc_blob;
    d.size = 100;
    d.verification_code = "ABCD-EFGH";
    d.manifest_sha256 = other;
    d.lang = "es";
    d.issued_at = 2;
    d.issued_by = "ana";
    auto id = tx.insert_document(d);
    return id ? ok_status() : Status(id.error());
  });
  read([&](ReadTx& tx) {
    EXPECT_TRUE(tx.blob_referenced(file_blob));
    EXPECT_TRUE(tx.blob_referenced(doc_blob));
    EXPECT_FALSE(tx.blob_referenced(other));
  });
  write_ok([&](WriteTx& tx) { return tx.put_file(kNumber, {"source_code", "app.zip", 11, other, "ana", 3}); });
  read([&](ReadTx& tx) {
    EXPECT_FALSE(tx.blob_referenced(file_blob));
    EXPECT_TRUE(tx.blob_referenced(other));
  });
}

}  // namespace
}  // namespace pasaprod::testing_store

namespace pasaprod::testing_store {

TEST_P(StoreSuite, OutboxClaimsDueMailsOldestFirstAndHoldsThem) {
  OutboxMail m;
  m.username = "rosa.asi";
  m.address = "rosa.asi@minedu.gob.pe";
  m.release = "PP-2026-0001";
  m.step = "turn:pre_approve";
  m.raci = 'R';
  m.at = 1000;
  std::vector<std::int64_t> ids;
  write_ok([&](WriteTx& tx) -> Status {
    for (int i = 0; i < 3; ++i) {
      m.next_attempt_at = i == 2 ? 5000 : 1000;  // the third is due later
      auto id = tx.enqueue_mail(m);
      if (!id) return id.error();
      ids.push_back(*id);
    }
    return ok_status();
  });
  std::vector<OutboxMail> first, second;
  write_ok([&](WriteTx& tx) {
    first = tx.claim_mails(2000, 9000, 10);
    second = tx.claim_mails(2000, 9000, 10);  // held: none again
    return ok_status();
  });
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, ids[0]);
  EXPECT_EQ(first[1].id, ids[1]);
  EXPECT_EQ(first[0].raci, 'R');
  EXPECT_EQ(first[0].step, "turn:pre_approve");
  EXPECT_TRUE(second.empty());
  OutboxMail sent = first[0];
  sent.state = "sent";
  sent.attempts = 1;
  sent.sent_at = 2100;
  sent.claimed_until = 0;
  write_ok([&](WriteTx& tx) { return tx.update_mail(sent); });
  read([&](ReadTx& tx) {
    const OutboxCounts c = tx.mail_counts();
    EXPECT_EQ(c.sent, 1);
    EXPECT_EQ(c.queued, 2);
    auto got = tx.mail(ids[0]);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->state, "sent");
    EXPECT_EQ(got->sent_at, 2100);
    EXPECT_FALSE(tx.mail(999999));
    EXPECT_EQ(tx.mails("queued", 10, 0).size(), 2u);
  });
  // After the hold, the unsent one and the later one are due again.
  write_ok([&](WriteTx& tx) {
    EXPECT_EQ(tx.claim_mails(9000, 12000, 10).size(), 2u);
    OutboxMail missing = sent;
    missing.id = 999999;
    EXPECT_FALSE(tx.update_mail(missing));
    return ok_status();
  });
}

TEST_P(StoreSuite, HeldMailWaitsForItsDigestByPersonAndIsGatheredOnce) {
  OutboxMail m;
  m.name = "Ana";
  m.address = "ana@minedu.gob.pe";
  m.lang = "es";
  m.release = "PP-2026-0001";
  m.system = "SIAGIE";
  m.title = "Reporte";
  m.step = "deployment";
  m.raci = 'I';
  m.role = "functional_user";
  m.actor = "oscar.operador";
  write_ok([&](WriteTx& tx) -> Status {
    for (const auto& [user, at] : std::vector<std::pair<std::string, Timestamp>>{
             {"ana.funcional", 3000}, {"pedro.lider", 1500}, {"ana.funcional", 1000}, {"ana.funcional", 9000}}) {
      m.username = user;
      m.at = at;
      m.event_seq = at;
      if (auto st = tx.hold_mail(m); !st) return st;
    }
    return ok_status();
  });
  std::vector<OutboxMail> before_5000, ana;
  read([&](ReadTx& tx) {
    EXPECT_EQ(tx.mail_counts().held, 4);
    before_5000 = tx.held_mails("", 5000, 10);
    ana = tx.held_mails("ana.funcional", 100000, 10);
    EXPECT_EQ(tx.held_mails("", 5000, 1).size(), 1u);
  });
  ASSERT_EQ(before_5000.size(), 3u);  // by person, then oldest first
  EXPECT_EQ(before_5000[0].username, "ana.funcional");
  EXPECT_EQ(before_5000[0].at, 1000);
  EXPECT_EQ(before_5000[1].at, 3000);
  EXPECT_EQ(before_5000[2].username, "pedro.lider");
  EXPECT_EQ(before_5000[0].raci, 'I');
  EXPECT_EQ(before_5000[0].title, "Reporte");
  EXPECT_EQ(before_5000[0].role, "functional_user");
  ASSERT_EQ(ana.size(), 3u);
  OutboxMail digest;
  digest.username = "ana.funcional";
  digest.address = "ana@minedu.gob.pe";
  digest.step = kDigestStep;
  digest.at = 5000;
  std::int64_t digest_id = 0;
  write_ok([&](WriteTx& tx) -> Status {
    auto id = tx.enqueue_mail(digest);
    if (!id) return id.error();
    digest_id = *id;
    return tx.attach_held_mails({before_5000[0].id, before_5000[1].id}, digest_id);
  });
  read([&](ReadTx& tx) {
    EXPECT_EQ(tx.mail_counts().held, 2);
    const auto items = tx.digest_items(digest_id);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].at, 1000);
    EXPECT_EQ(items[1].at, 3000);
    EXPECT_EQ(tx.held_mails("ana.funcional", 100000, 10).size(), 1u) << "gathered mail is not held any more";
  });
  // Gathering again changes nothing.
  write_ok([&](WriteTx& tx) { return tx.attach_held_mails({before_5000[0].id}, digest_id + 1000); });
  read([&](ReadTx& tx) { EXPECT_EQ(tx.digest_items(digest_id).size(), 2u); });
}

TEST_P(StoreSuite, AMailKeepsByWhenItsStepIsDueAndAUserTheirDigestChoice) {
  OutboxMail m;
  m.username = "rosa.asi";
  m.address = "rosa.asi@minedu.gob.pe";
  m.step = "turn:deploy";
  m.raci = 'R';
  m.due_from = 7000;
  m.due_to = 8000;
  std::int64_t id = 0;
  write_ok([&](WriteTx& tx) -> Status {
    auto i = tx.enqueue_mail(m);
    if (!i) return i.error();
    id = *i;
    return ok_status();
  });
  read([&](ReadTx& tx) {
    auto got = tx.mail(id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->due_from, 7000);
    EXPECT_EQ(got->due_to, 8000);
  });
  User u;
  u.username = "digest.user";
  u.name = "Digest";
  u.mail_digest = true;
  write_ok([&](WriteTx& tx) { return tx.insert_user(u); });
  read([&](ReadTx& tx) { EXPECT_TRUE(tx.user("digest.user")->mail_digest); });
  u.mail_digest = false;
  write_ok([&](WriteTx& tx) { return tx.update_user(u); });
  read([&](ReadTx& tx) { EXPECT_FALSE(tx.user("digest.user")->mail_digest); });
}

}  // namespace pasaprod::testing_store
