// Shared Store suite, part 3: the calendar — windows of a period (span_records) and the
// users' feed keys.
#include "tests/store/store_suite.h"

namespace pasaprod::testing_store {
namespace {

constexpr Timestamp kDay = 24LL * 3600 * 1000;
constexpr Timestamp kT0 = 1'790'000'000'000;  // 2026-09-21

Record span(const std::string& type, Timestamp from, Timestamp to, const std::string& by, Timestamp at) {
  Record r;
  r.type = type;
  r.fields = {{"from", format_iso(from)}, {"to", format_iso(to)}};
  r.by = by;
  r.at = at;
  r.span = TimeSpan{from, to};
  return r;
}

// Two systems, three requests: 0001 (SIGA, ana) windowed twice, 0002 (SIGA, ana, a
  // transition by pedro) and 0003 (ALFA, luis) windowed once; a record of another type.
void fill(Store& store) {
  Status st = store.write([&](WriteTx& tx) -> Status {
      for (const char* u : {"ana", "luis", "pedro"}) {
        if (auto st = tx.insert_user(sample_user(u)); !st) return st;
      }
      for (const char* s : {"SIGA", "ALFA"}) {
        if (auto st = tx.insert_system(sample_system(s)); !st) return st;
      }
      for (int i = 1; i <= 3; ++i) {
        Release r = sample_release("PP-2026-000" + std::to_string(i), kT0 + i);
        if (i == 3) {
          r.system = "ALFA";
          r.requester = "luis";
        }
        if (auto st = tx.insert_release(r); !st) return st;
      }
      Transition t{"request_qa", "draft", "in_qa", "pedro", "", kT0, ""};
      if (auto st = tx.add_transition("PP-2026-0002", t); !st) return st;
      for (const auto& [number, rec] : std::vector<std::pair<std::string, Record>>{
               {"PP-2026-0001", span("window", kT0 + 1 * kDay, kT0 + 2 * kDay, "oscar", kT0)},
               {"PP-2026-0001", span("window", kT0 + 5 * kDay, kT0 + 6 * kDay, "oscar", kT0 + 1)},  // replaces the first
               {"PP-2026-0002", span("window", kT0 + 3 * kDay, kT0 + 4 * kDay, "oscar", kT0 + 2)},
               {"PP-2026-0003", span("window", kT0 + 10 * kDay, kT0 + 11 * kDay, "oscar", kT0 + 3)},
               {"PP-2026-0003", span("other", kT0, kT0 + 30 * kDay, "oscar", kT0 + 4)}}) {
        if (auto id = tx.add_record(number, rec); !id) return id.error();
      }
      return ok_status();
  });
  ASSERT_TRUE(st.ok()) << st.error().en;
}

std::vector<std::string> numbers(Store& store, const SpanQuery& query) {
  std::vector<std::string> out;
  Status st = store.read([&](ReadTx& tx) {
    for (const auto& s : tx.span_records(query)) out.push_back(s.release.number);
    return ok_status();
  });
  EXPECT_TRUE(st.ok());
  return out;
}

// A query of `type` spans (every field given: -Wmissing-field-initializers).
SpanQuery q(const std::string& type, Timestamp from = 0, Timestamp to = 0, const std::string& system = "",
            const std::string& participant = "", int limit = 1000) {
  return SpanQuery{type, from, to, system, participant, limit};
}

}  // namespace

TEST_P(StoreSuite, SpanRecordsAreTheLatestPerRequestOverlappingThePeriodByStart) {
  fill(*store_);
  using V = std::vector<std::string>;
  EXPECT_EQ(numbers(*store_, q("window")), (V{"PP-2026-0002", "PP-2026-0001", "PP-2026-0003"}));
  // The first window of 0001 (days 1–2) was replaced: nothing in days 0–3.
  EXPECT_EQ(numbers(*store_, q("window", kT0, kT0 + 3 * kDay)), V{});
  // Touching ends do not overlap: [3, 4) ends where [4, 5) starts.
  EXPECT_EQ(numbers(*store_, q("window", kT0 + 4 * kDay, kT0 + 5 * kDay)), V{});
  EXPECT_EQ(numbers(*store_, q("window", kT0 + 3 * kDay + 1, kT0 + 5 * kDay + 1)), (V{"PP-2026-0002", "PP-2026-0001"}));
  EXPECT_EQ(numbers(*store_, q("window", kT0 + 7 * kDay)), V{"PP-2026-0003"});
  EXPECT_EQ(numbers(*store_, q("window", 0, 0, "SIGA")), (V{"PP-2026-0002", "PP-2026-0001"}));
  EXPECT_EQ(numbers(*store_, q("window", 0, 0, "", "luis")), V{"PP-2026-0003"});
  EXPECT_EQ(numbers(*store_, q("window", 0, 0, "", "pedro")), V{"PP-2026-0002"});  // took a step on it
  EXPECT_EQ(numbers(*store_, q("window", 0, 0, "", "oscar")).size(), 3u);          // recorded them
  EXPECT_EQ(numbers(*store_, q("window", 0, 0, "", "", 1)), V{"PP-2026-0002"});
  EXPECT_EQ(numbers(*store_, q("other")), V{"PP-2026-0003"});
  read([&](ReadTx& tx) {
    const auto all = tx.span_records(q("window", 0, 0, "SIGA"));
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1].earlier, 1);  // 0001's second window
    EXPECT_EQ(all[0].earlier, 0);
    EXPECT_EQ(all[1].record.fields.at("from"), format_iso(kT0 + 5 * kDay));
    EXPECT_EQ(all[1].record.span, (TimeSpan{kT0 + 5 * kDay, kT0 + 6 * kDay}));
    EXPECT_EQ(all[1].release.title, "Mejora del módulo de planillas");
    EXPECT_EQ(all[1].record.by, "oscar");
  });
}

// A record of the type without a span is not one: neither it nor an earlier record of its
// request is returned, and a record of another type never is.
TEST_P(StoreSuite, SpanRecordsSkipRecordsWithoutASpanAndOtherTypes) {
  fill(*store_);
  write_ok([&](WriteTx& tx) -> Status {
    Record later = span("window", kT0 + 8 * kDay, kT0 + 9 * kDay, "oscar", kT0 + 5);
    later.span.reset();
    auto id = tx.add_record("PP-2026-0002", later);
    return id ? ok_status() : Status(id.error());
  });
  using V = std::vector<std::string>;
  EXPECT_EQ(numbers(*store_, q("window")), (V{"PP-2026-0001", "PP-2026-0003"}));
  EXPECT_EQ(numbers(*store_, q("other", kT0 + 20 * kDay)), V{"PP-2026-0003"});
  EXPECT_EQ(numbers(*store_, q("slot")), V{});
}

// Records added without a span (before the store kept them) get theirs from the keys the
// backfill names — any keys, even ones a JSON path would have to quote; fields that do not hold
// two times leave a record without one, read again by the next backfill; other types are left.
TEST_P(StoreSuite, BackfillGivesRecordsWithoutASpanTheTimesOfTheirFields) {
  fill(*store_);
  const std::string from_key = "desde el", to_key = "hasta.\"fin\"";
  const auto slot = [&](const std::string& from, const std::string& to, Timestamp at) {
    Record r;
    r.type = "slot";
    r.fields = {{from_key, from}, {to_key, to}};
    r.by = "oscar";
    r.at = at;
    return r;
  };
  write_ok([&](WriteTx& tx) -> Status {
    for (const auto& [number, rec] : std::vector<std::pair<std::string, Record>>{
             {"PP-2026-0001", slot(format_iso(kT0 + 21 * kDay), format_iso(kT0 + 22 * kDay), kT0 + 5)},
             {"PP-2026-0002", slot(format_iso(kT0 + 20 * kDay), "2026-10-12T09:00:00-05:00", kT0 + 6)},
             {"PP-2026-0003", slot("mañana", format_iso(kT0 + 22 * kDay), kT0 + 7)}}) {
      if (auto id = tx.add_record(number, rec); !id) return id.error();
    }
    Record other = slot(format_iso(kT0), format_iso(kT0 + kDay), kT0 + 8);
    other.type = "note";
    auto id = tx.add_record("PP-2026-0003", other);
    return id ? ok_status() : Status(id.error());
  });
  using V = std::vector<std::string>;
  EXPECT_EQ(numbers(*store_, q("slot")), V{});
  write_ok([&](WriteTx& tx) -> Status {
    EXPECT_EQ(tx.backfill_spans("slot", from_key, to_key), 2);
    EXPECT_EQ(tx.backfill_spans("slot", from_key, to_key), 0);  // the unparsable one stays without
    EXPECT_EQ(tx.backfill_spans("window", from_key, to_key), 0);  // every window has its span
    return ok_status();
  });
  EXPECT_EQ(numbers(*store_, q("slot")), (V{"PP-2026-0002", "PP-2026-0001"}));
  // An offset is read as such: 09:00 at -05:00 is 14:00 UTC.
  const auto at = [](const char* iso) { return parse_iso(iso).value(); };
  EXPECT_EQ(numbers(*store_, q("slot", at("2026-10-12T13:30:00Z"), at("2026-10-12T13:31:00Z"))), V{"PP-2026-0002"});
  EXPECT_EQ(numbers(*store_, q("slot", at("2026-10-12T14:00:00Z"), at("2026-10-12T14:13:20Z"))), V{});
  EXPECT_EQ(numbers(*store_, q("slot", 0, kT0 + 21 * kDay)), V{"PP-2026-0002"});
  EXPECT_EQ(numbers(*store_, q("note")), V{});
  read([&](ReadTx& tx) {
    const auto found = tx.span_records(q("slot", 0, 0, "ALFA"));
    EXPECT_TRUE(found.empty());  // 0003's slot does not parse
    const auto all = tx.span_records(q("slot"));
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].record.span, (TimeSpan{kT0 + 20 * kDay, at("2026-10-12T14:00:00Z")}));
  });
}

TEST_P(StoreSuite, CalendarKeysRotateInPlaceAndAreFoundByDigest) {
  fill(*store_);
  CalendarKey k{0, "ana", "office", std::string(64, 'a'), kT0, 0};
  std::int64_t id = 0;
  write_ok([&](WriteTx& tx) -> Status {
    auto put = tx.put_calendar_key(k);
    if (!put) return put.error();
    id = *put;
    CalendarKey mine{0, "ana", "mine", std::string(64, 'b'), kT0, 0};
    auto put_mine = tx.put_calendar_key(mine);
    return put_mine ? ok_status() : Status(put_mine.error());
  });
  // Rotation: same row, new digest; the old digest finds nothing.
  write_ok([&](WriteTx& tx) -> Status {
    CalendarKey rotated{0, "ana", "office", std::string(64, 'c'), kT0 + 5, kT0 + 5};
    auto put = tx.put_calendar_key(rotated);
    if (!put) return put.error();
    EXPECT_EQ(*put, id);
    // Another user's key may not take a digest in use.
    CalendarKey thief{0, "luis", "office", std::string(64, 'c'), kT0, 0};
    EXPECT_EQ(tx.put_calendar_key(thief).error().code, Code::already_exists);
    return ok_status();
  });
  read([&](ReadTx& tx) {
    EXPECT_FALSE(tx.calendar_key_by_digest(std::string(64, 'a')));
    auto found = tx.calendar_key_by_digest(std::string(64, 'c'));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, id);
    EXPECT_EQ(found->username, "ana");
    EXPECT_EQ(found->created_at, kT0);
    EXPECT_EQ(found->rotated_at, kT0 + 5);
    const auto keys = tx.calendar_keys("ana");
    ASSERT_EQ(keys.size(), 2u);
    EXPECT_EQ(keys[0].scope, "mine");
    EXPECT_TRUE(tx.calendar_keys("luis").empty());
  });
  write_ok([&](WriteTx& tx) -> Status {
    const Status none = tx.delete_calendar_key("luis", "mine");
    EXPECT_TRUE(!none.ok() && none.error().code == Code::not_found);
    return tx.delete_calendar_key("ana", "mine");
  });
  read([&](ReadTx& tx) { EXPECT_EQ(tx.calendar_keys("ana").size(), 1u); });
}

}  // namespace pasaprod::testing_store
