// Shared Store suite, part 1: the entities (users, systems, listings of releases, settings,
// freezes; a release's aggregate is in store_suite_aggregate.cc). Part 2 (store_suite_tx.cc): transactions, concurrency, events.
#include "tests/store/store_suite.h"

#include <algorithm>
#include <cstdio>

namespace pasaprod::testing_store {
namespace {

bool same_user(const User& a, const User& b) {
  return a.username == b.username && a.name == b.name && a.email == b.email &&
         a.active == b.active && a.lang == b.lang && a.grants == b.grants;
}

TEST_P(StoreSuite, UsersRoundtripWithGrants) {
  User ana = sample_user("ana");
  User bob = sample_user("bob");
  bob.grants = {{"it_chief", ""}};
  bob.active = false;
  bob.lang = "en";
  write_ok([&](WriteTx& tx) -> Status {
    if (auto st = tx.insert_user(bob); !st) return st;
    return tx.insert_user(ana);
  });
  read([&](ReadTx& tx) {
    auto got = tx.user("ana");
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(same_user(*got, ana));
    auto all = tx.users();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].username, "ana");  // ordered by username
    EXPECT_TRUE(same_user(all[1], bob));
    EXPECT_EQ(tx.user("nadie").error().code, Code::not_found);
  });

  // Duplicate username; update replaces fields and grants; unknown user.
  Status dup = store_->write([&](WriteTx& tx) { return tx.insert_user(ana); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Code::already_exists);
  EXPECT_FALSE(dup.error().es.empty());
  EXPECT_FALSE(dup.error().en.empty());
  ana.name = "Ana María";
  ana.email = "ana.maria@example.pe";
  ana.grants = {{"project_lead", "SIGA"}};
  write_ok([&](WriteTx& tx) { return tx.update_user(ana); });
  Status missing = store_->write([&](WriteTx& tx) { return tx.update_user(sample_user("zoe")); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Code::not_found);
  read([&](ReadTx& tx) { EXPECT_TRUE(same_user(*tx.user("ana"), ana)); });
}

TEST_P(StoreSuite, UsersWithRoleOfficeWideOrPerSystem) {
  User office = sample_user("olga");
  office.grants = {{"functional_user", ""}};
  User siga = sample_user("sara");
  siga.grants = {{"functional_user", "SIGA"}};
  User other = sample_user("omar");
  other.grants = {{"functional_user", "SIAF"}, {"dba", ""}};
  write_ok([&](WriteTx& tx) -> Status {
    for (const User* u : {&office, &siga, &other}) {
      if (auto st = tx.insert_user(*u); !st) return st;
    }
    return ok_status();
  });
  const auto names = [](const std::vector<User>& users) {
    std::vector<std::string> out;
    for (const auto& u : users) out.push_back(u.username);
    return out;
  };
  read([&](ReadTx& tx) {
    EXPECT_EQ(names(tx.users_with_role("functional_user", "")), std::vector<std::string>{"olga"});
    EXPECT_EQ(names(tx.users_with_role("functional_user", "SIGA")),
              (std::vector<std::string>{"olga", "sara"}));
    EXPECT_EQ(names(tx.users_with_role("dba", "SIGA")), std::vector<std::string>{"omar"});
    EXPECT_TRUE(tx.users_with_role("it_chief", "").empty());
    // Returned users carry their grants.
    EXPECT_EQ(tx.users_with_role("dba", "")[0].grants, other.grants);
  });
}

TEST_P(StoreSuite, SystemsRoundtrip) {
  System siga = sample_system("SIGA");
  System siaf = sample_system("SIAF");
  siaf.indecopi = {};
  write_ok([&](WriteTx& tx) -> Status {
    if (auto st = tx.insert_system(siga); !st) return st;
    return tx.insert_system(siaf);
  });
  Status dup = store_->write([&](WriteTx& tx) { return tx.insert_system(siga); });
  EXPECT_EQ(dup.error().code, Code::already_exists);
  siga.status = "retired";
  siga.indecopi.status = "registered";
  siga.technology = "Java 21";
  write_ok([&](WriteTx& tx) { return tx.update_system(siga); });
  Status missing =
      store_->write([&](WriteTx& tx) { return tx.update_system(sample_system("NOPE")); });
  EXPECT_EQ(missing.error().code, Code::not_found);
  read([&](ReadTx& tx) {
    auto got = tx.system("SIGA");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->status, "retired");
    EXPECT_EQ(got->technology, "Java 21");
    EXPECT_EQ(got->indecopi.status, "registered");
    EXPECT_EQ(got->indecopi.file_number, "EXP-001");
    EXPECT_EQ(got->description, siga.description);
    EXPECT_EQ(got->created_at, siga.created_at);
    auto all = tx.systems();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].code, "SIAF");
    EXPECT_EQ(all[0].indecopi.requested_on, "");
    EXPECT_EQ(tx.system("NOPE").error().code, Code::not_found);
  });
}

// 30 releases over 3 systems, 3 kinds, 3 states; created_at = 1000 * i.
void insert_listing_fixture(Store& store) {
  Status st = store.write([&](WriteTx& tx) -> Status {
    for (int i = 1; i <= 30; ++i) {
      char num[32];
      std::snprintf(num, sizeof num, "PP-2026-%04d", i);
      Release r = sample_release(num, 1000 * i);
      r.system = i % 3 == 0 ? "SIGA" : (i % 3 == 1 ? "SIAF" : "SISPER");
      r.kind = i % 2 == 0 ? "maintenance" : "project";
      if (i % 5 == 0) r.kind = "emergency";
      r.state = i <= 10 ? "draft" : (i <= 20 ? "in_qa" : "closed");
      r.requester = i % 4 == 0 ? "bob" : "ana";
      r.title = i == 7 ? "Migración de PLANILLAS al 100%_nuevo" : "Cambio " + std::to_string(i);
      r.summary = i == 12 ? "Corrige el cálculo de ÑANDÚ" : "";
      if (auto s = tx.insert_release(r); !s) return s;
    }
    return ok_status();
  });
  ASSERT_TRUE(st.ok());
}

std::vector<std::string> numbers(const ReleasePage& page) {
  std::vector<std::string> out;
  for (const auto& s : page.items) out.push_back(s.number);
  return out;
}

// Filters by no more than state, system and kind are counted exactly (store_suite_counts.cc);
// a created range that every release is in makes them the same matches, counted one by one.
TEST_P(StoreSuite, ReleaseCountStopsAtTheCountLimit) {
  insert_listing_fixture(*store_);
  read([&](ReadTx& tx) {
    ReleaseFilter all;
    all.created_from = 1;
    all.limit = 5;
    all.count_limit = 12;
    ReleasePage p = tx.releases(all);
    EXPECT_EQ(p.total, 12);
    EXPECT_TRUE(p.total_capped);
    EXPECT_EQ(numbers(p).front(), "PP-2026-0030");
    all.offset = 28;  // past the counted matches, the page is still served
    EXPECT_EQ(numbers(tx.releases(all)), (std::vector<std::string>{"PP-2026-0002", "PP-2026-0001"}));

    ReleaseFilter closed;
    closed.state = "closed";
    closed.created_from = 1;
    closed.count_limit = 10;  // exactly as many as match: not capped
    p = tx.releases(closed);
    EXPECT_EQ(p.total, 10);
    EXPECT_FALSE(p.total_capped);
    closed.count_limit = 9;
    p = tx.releases(closed);
    EXPECT_EQ(p.total, 9);
    EXPECT_TRUE(p.total_capped);
    EXPECT_EQ(p.items.size(), 10u);
    closed.count_limit = 0;  // the rows only (the inbox)
    p = tx.releases(closed);
    EXPECT_EQ(p.total, 0);
    EXPECT_TRUE(p.total_capped);
    EXPECT_EQ(p.items.size(), 10u);
    closed.state = "cancelled";
    p = tx.releases(closed);
    EXPECT_FALSE(p.total_capped);
    EXPECT_TRUE(p.items.empty());

    ReleaseFilter text;
    text.text = "cambio";
    text.count_limit = 5;
    p = tx.releases(text);
    EXPECT_EQ(p.total, 5);
    EXPECT_TRUE(p.total_capped);
    EXPECT_EQ(p.items.size(), 29u);  // every match but the 7th
  });
}

TEST_P(StoreSuite, ReleaseTextCountStopsAtTheTextCountLimit) {
  // Stored before the fixture, so with the oldest id, yet created last: the newest of all.
  ASSERT_TRUE(store_->write([](WriteTx& tx) -> Status {
    Release r = sample_release("PP-2026-0099", 99000);
    r.title = "Cambio tardío";
    return tx.insert_release(r);
  }).ok());
  insert_listing_fixture(*store_);
  read([&](ReadTx& tx) {
    ReleaseFilter f;
    f.text = "cambio";  // 30 matches: 0099, then 0030 to 0001 but 0007
    f.limit = 3;
    f.text_count_limit = 5;
    ReleasePage p = tx.releases(f);
    EXPECT_EQ(p.total, 5);
    EXPECT_TRUE(p.total_capped);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0099", "PP-2026-0030", "PP-2026-0029"}));
    f.offset = 3;
    p = tx.releases(f);
    EXPECT_EQ(p.total, 5);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0028", "PP-2026-0027", "PP-2026-0026"}));
    f.offset = 26;  // past the counted matches, the page is still served
    p = tx.releases(f);
    EXPECT_EQ(p.total, 5);
    EXPECT_TRUE(p.total_capped);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0004", "PP-2026-0003", "PP-2026-0002"}));
    f.offset = 0;
    f.text_count_limit = 30;  // exactly as many as match: not capped
    p = tx.releases(f);
    EXPECT_EQ(p.total, 30);
    EXPECT_FALSE(p.total_capped);
    f.text_count_limit = 29;
    EXPECT_EQ(tx.releases(f).total, 29);
    EXPECT_TRUE(tx.releases(f).total_capped);
    f.text_count_limit = 1000;
    f.count_limit = 4;  // the smaller limit counts
    p = tx.releases(f);
    EXPECT_EQ(p.total, 4);
    EXPECT_TRUE(p.total_capped);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0099", "PP-2026-0030", "PP-2026-0029"}));

    ReleaseFilter closed;  // with a structured filter: 10 matches, 0030 to 0021
    closed.text = "cambio";
    closed.state = "closed";
    closed.text_count_limit = 4;
    p = tx.releases(closed);
    EXPECT_EQ(p.total, 4);
    EXPECT_TRUE(p.total_capped);
    EXPECT_EQ(p.items.size(), 10u);
    EXPECT_EQ(numbers(p).front(), "PP-2026-0030");
    EXPECT_EQ(numbers(p).back(), "PP-2026-0021");

    f = {};  // oldest first, with and without text
    f.oldest_first = true;
    f.limit = 3;
    f.state = "in_qa";
    EXPECT_EQ(numbers(tx.releases(f)), (std::vector<std::string>{"PP-2026-0011", "PP-2026-0012", "PP-2026-0013"}));
    f.offset = 8;
    EXPECT_EQ(numbers(tx.releases(f)), (std::vector<std::string>{"PP-2026-0019", "PP-2026-0020"}));
    f = {};
    f.oldest_first = true;
    f.limit = 3;
    f.text = "cambio";
    f.text_count_limit = 5;
    p = tx.releases(f);
    EXPECT_EQ(p.total, 5);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0001", "PP-2026-0002", "PP-2026-0003"}));
    f.state = "in_qa";
    EXPECT_EQ(numbers(tx.releases(f)), (std::vector<std::string>{"PP-2026-0011", "PP-2026-0012", "PP-2026-0013"}));
  });
  // Stored in the order they were created, the newest matches page from their window alone;
  // the page is the same.
  ASSERT_TRUE(store_->write([](WriteTx& tx) -> Status {
    for (int i = 0; i < 3; ++i) {
      Release r = sample_release("PP-2026-010" + std::to_string(i), 100000 + i);
      r.title = i == 1 ? "Otro" : "Cambio " + std::to_string(100 + i);
      r.summary = "";
      if (auto st = tx.insert_release(r); !st) return st;
    }
    return ok_status();
  }).ok());
  read([&](ReadTx& tx) {
    ReleaseFilter f;
    f.text = "CAMBIO";
    f.limit = 2;
    f.text_count_limit = 2;
    ReleasePage p = tx.releases(f);
    EXPECT_EQ(p.total, 2);
    EXPECT_TRUE(p.total_capped);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0102", "PP-2026-0100"}));
    f.limit = 4;  // the page reaches 0099, older than the window: the same page all the same
    EXPECT_EQ(numbers(tx.releases(f)), (std::vector<std::string>{"PP-2026-0102", "PP-2026-0100", "PP-2026-0099", "PP-2026-0030"}));
    f.text = "cambio 10";  // 0100, 0102 and 0010
    f.text_count_limit = 1;
    f.limit = 2;
    p = tx.releases(f);
    EXPECT_EQ(p.total, 1);
    EXPECT_TRUE(p.total_capped);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0102", "PP-2026-0100"}));
    f.limit = 50;
    EXPECT_EQ(numbers(tx.releases(f)), (std::vector<std::string>{"PP-2026-0102", "PP-2026-0100", "PP-2026-0010"}));
  });
}

TEST_P(StoreSuite, ReleaseListingFiltersPagingAndTotal) {
  insert_listing_fixture(*store_);
  read([&](ReadTx& tx) {
    ReleaseFilter all;
    all.limit = 5;
    ReleasePage p = tx.releases(all);
    EXPECT_EQ(p.total, 30);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0030", "PP-2026-0029",
                                                    "PP-2026-0028", "PP-2026-0027",
                                                    "PP-2026-0026"}));
    EXPECT_EQ(p.items[0].state, "closed");
    EXPECT_EQ(p.items[0].created_at, 30000);
    all.offset = 28;
    p = tx.releases(all);
    EXPECT_EQ(p.total, 30);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0002", "PP-2026-0001"}));
    all.offset = 40;
    EXPECT_TRUE(tx.releases(all).items.empty());
    EXPECT_EQ(tx.releases(all).total, 30);

    ReleaseFilter f;
    f.state = "in_qa";
    f.system = "SIGA";
    p = tx.releases(f);
    EXPECT_EQ(numbers(p), (std::vector<std::string>{"PP-2026-0018", "PP-2026-0015",
                                                    "PP-2026-0012"}));
    EXPECT_EQ(p.total, 3);
    f = {};
    f.kind = "emergency";
    EXPECT_EQ(tx.releases(f).total, 6);
    f = {};
    f.requester = "bob";
    EXPECT_EQ(tx.releases(f).total, 7);
    f = {};
    f.created_from = 5000;
    f.created_to = 8000;
    EXPECT_EQ(numbers(tx.releases(f)), (std::vector<std::string>{"PP-2026-0007", "PP-2026-0006",
                                                                 "PP-2026-0005"}));
  });
}

TEST_P(StoreSuite, ReleaseTextFilterIsCaseInsensitiveSubstring) {
  insert_listing_fixture(*store_);
  read([&](ReadTx& tx) {
    const auto find = [&](const std::string& text) {
      ReleaseFilter f;
      f.text = text;
      return numbers(tx.releases(f));
    };
    EXPECT_EQ(find("planillas"), std::vector<std::string>{"PP-2026-0007"});
    EXPECT_EQ(find("MIGRACIÓN"), std::vector<std::string>{"PP-2026-0007"});
    EXPECT_EQ(find("100%_n"), std::vector<std::string>{"PP-2026-0007"});  // literal % and _
    EXPECT_TRUE(find("100%x").empty());
    EXPECT_TRUE(find("_").size() == 1);
    EXPECT_EQ(find("ñandú"), std::vector<std::string>{"PP-2026-0012"});   // in the summary
    EXPECT_EQ(find("pp-2026-0003"), std::vector<std::string>{"PP-2026-0003"});  // the number
    EXPECT_EQ(find("2026-002").size(), 10u);
    ReleaseFilter f;
    f.text = "cambio";
    f.state = "closed";
    EXPECT_EQ(tx.releases(f).total, 10);
  });
}

// Enough matches that a backend may switch strategy (the SQLite one does above 2000), with
// creation order unlike insertion order; checked against a brute-force listing.
TEST_P(StoreSuite, ReleaseTextFilterWithManyMatches) {
  constexpr int kCount = 2600;
  std::vector<ReleaseSummary> expected_all;
  Status st = store_->write([&](WriteTx& tx) -> Status {
    for (int i = 1; i <= kCount; ++i) {
      char num[32];
      std::snprintf(num, sizeof num, "PP-2026-%05d", i);
      Release r = sample_release(num, static_cast<Timestamp>((i * 7919) % kCount) * 1000);
      r.title = (i % 10 != 0 ? "Proceso común " : "Otro ") + std::to_string(i);
      r.summary = "";
      r.state = i % 3 == 0 ? "closed" : "draft";
      if (auto s = tx.insert_release(r); !s) return s;
      ReleaseSummary e;
      e.number = r.number;
      e.created_at = r.created_at;
      e.state = r.state;
      e.title = r.title;
      expected_all.push_back(e);
    }
    return ok_status();
  });
  ASSERT_TRUE(st.ok());
  std::sort(expected_all.begin(), expected_all.end(), [](const auto& a, const auto& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.number > b.number;
  });
  const auto expect_page = [&](const ReleaseFilter& f) {
    std::vector<std::string> matching;
    for (const auto& e : expected_all) {
      if (e.title.find("común") == std::string::npos) continue;
      if (!f.state.empty() && e.state != f.state) continue;
      matching.push_back(e.number);
    }
    std::vector<std::string> want;
    for (std::size_t i = static_cast<std::size_t>(f.offset);
         i < matching.size() && want.size() < static_cast<std::size_t>(f.limit); ++i) {
      want.push_back(matching[i]);
    }
    read([&](ReadTx& tx) {
      ReleasePage p = tx.releases(f);
      const auto n = static_cast<std::int64_t>(matching.size());
      const std::int64_t cap = std::min(f.count_limit, f.text_count_limit);
      EXPECT_EQ(p.total, std::min(n, cap));
      EXPECT_EQ(p.total_capped, n > cap);
      EXPECT_EQ(numbers(p), want) << "offset " << f.offset << " state " << f.state << " count_limit " << f.count_limit
                                  << " text_count_limit " << f.text_count_limit;
    });
  };
  for (const char* state : {"", "closed"}) {
    for (int offset : {0, 7, 1500, 2330, 5000}) {
      for (std::int64_t count_limit : {10000, 100}) {
        // Created in an order unrelated to their ids, so pages past the newest ids' window are
        // read from all the matches.
        for (std::int64_t text_count_limit : {10000, 1000, 50}) {
          ReleaseFilter f;
          f.text = "COMÚN";
          f.state = state;
          f.offset = offset;
          f.limit = 25;
          f.count_limit = count_limit;
          f.text_count_limit = text_count_limit;
          expect_page(f);
        }
      }
    }
  }
}

TEST_P(StoreSuite, VersionsOfSystem) {
  insert_listing_fixture(*store_);
  read([&](ReadTx& tx) {
    auto uses = tx.versions_of("SIGA");
    ASSERT_EQ(uses.size(), 10u);
    for (const auto& u : uses) EXPECT_EQ(u.version, "2.4");
    EXPECT_EQ(uses[0].number, "PP-2026-0003");
    EXPECT_EQ(uses[0].state, "draft");
    EXPECT_TRUE(tx.versions_of("NOPE").empty());
  });
}

TEST_P(StoreSuite, Settings) {
  read([&](ReadTx& tx) { EXPECT_EQ(tx.setting("committee.quorum"), std::nullopt); });
  write_ok([&](WriteTx& tx) { return tx.put_setting("committee.quorum", "3"); });
  write_ok([&](WriteTx& tx) { return tx.put_setting("committee.quorum", "4"); });
  read([&](ReadTx& tx) { EXPECT_EQ(tx.setting("committee.quorum"), "4"); });
}

TEST_P(StoreSuite, FormStatesAreKeptByKeyOnceAndExpireSoonestFirst) {
  write_ok([&](WriteTx& tx) { return tx.insert_form_state({"k1", "owner-a", "/releases/new", "", 1000}); });
  write_ok([&](WriteTx& tx) { return tx.insert_form_state({"k2", "owner-b", "", "cuerpo ñ", 2000}); });
  Status taken = store_->write([&](WriteTx& tx) { return tx.insert_form_state({"k1", "owner-c", "", "otro", 3000}); });
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, Code::already_exists);
  write_ok([&](WriteTx& tx) { return tx.set_form_state_body("k1", "/releases/PP-2026-0001"); });
  Status absent = store_->write([&](WriteTx& tx) { return tx.set_form_state_body("nope", "x"); });
  EXPECT_EQ(absent.error().code, Code::not_found);
  read([&](ReadTx& tx) {
    const auto k1 = tx.form_state("k1");
    ASSERT_TRUE(k1);
    EXPECT_EQ(k1->owner, "owner-a");
    EXPECT_EQ(k1->path, "/releases/new");
    EXPECT_EQ(k1->body, "/releases/PP-2026-0001");
    EXPECT_EQ(k1->expires_at, 1000);
    EXPECT_EQ(tx.form_state("k2")->body, "cuerpo ñ");
    EXPECT_FALSE(tx.form_state("k3"));
    EXPECT_EQ(tx.form_state_count(), 2);
  });
  write_ok([&](WriteTx& tx) { return tx.insert_form_state({"k3", "owner-a", "", "", 3000}); });
  write_ok([&](WriteTx& tx) { return tx.expire_form_states(5000, 1); });  // the oldest only
  read([&](ReadTx& tx) {
    EXPECT_FALSE(tx.form_state("k1"));
    EXPECT_TRUE(tx.form_state("k2"));
  });
  write_ok([&](WriteTx& tx) { return tx.expire_form_states(2500, 10); });  // older than 2500 only
  write_ok([&](WriteTx& tx) { return tx.delete_form_state("nope"); });
  read([&](ReadTx& tx) {
    EXPECT_FALSE(tx.form_state("k2"));
    EXPECT_TRUE(tx.form_state("k3"));
    EXPECT_EQ(tx.form_state_count(), 1);
  });
  write_ok([&](WriteTx& tx) { return tx.delete_form_state("k3"); });
  read([&](ReadTx& tx) { EXPECT_EQ(tx.form_state_count(), 0); });
}

TEST_P(StoreSuite, FreezesOrderedByFrom) {
  std::int64_t a = 0;
  std::int64_t b = 0;
  write_ok([&](WriteTx& tx) -> Status {
    auto ra = tx.insert_freeze({0, 5000, 6000, "cierre anual", "olga", 1});
    auto rb = tx.insert_freeze({0, 1000, 2000, "elecciones", "olga", 2});
    if (!ra || !rb) return make_error(Code::internal, "t", "t", "t");
    a = *ra;
    b = *rb;
    return ok_status();
  });
  EXPECT_NE(a, b);
  read([&](ReadTx& tx) {
    auto fs = tx.freezes();
    ASSERT_EQ(fs.size(), 2u);
    EXPECT_EQ(fs[0].id, b);
    EXPECT_EQ(fs[0].reason, "elecciones");
    EXPECT_EQ(fs[1].from, 5000);
    EXPECT_EQ(fs[1].to, 6000);
    EXPECT_EQ(fs[1].created_by, "olga");
    EXPECT_EQ(fs[1].created_at, 1);
  });
}

TEST_P(StoreSuite, FreezesAreUpdatedAndDeletedById) {
  std::int64_t id = 0;
  write_ok([&](WriteTx& tx) -> Status {
    auto r = tx.insert_freeze({0, 5000, 6000, "cierre anual", "olga", 1});
    if (!r) return r.error();
    id = *r;
    return tx.update_freeze({id, 5000, 5500, "cierre anual (acortado)", "", 0});
  });
  read([&](ReadTx& tx) {
    auto fs = tx.freezes();
    ASSERT_EQ(fs.size(), 1u);
    EXPECT_EQ(fs[0].to, 5500);
    EXPECT_EQ(fs[0].reason, "cierre anual (acortado)");
    EXPECT_EQ(fs[0].created_by, "olga");  // who added it stays
  });
  Status missing = store_->write([&](WriteTx& tx) { return tx.update_freeze({id + 100, 1, 2, "x", "", 0}); });
  EXPECT_EQ(missing.error().code, Code::not_found);
  write_ok([&](WriteTx& tx) { return tx.delete_freeze(id); });
  Status again = store_->write([&](WriteTx& tx) { return tx.delete_freeze(id); });
  EXPECT_EQ(again.error().code, Code::not_found);
  read([&](ReadTx& tx) { EXPECT_TRUE(tx.freezes().empty()); });
}

TEST_P(StoreSuite, EditionsByEffectiveInstantWithTextOnlyWhenAsked) {
  const StoredEdition later{"04", "Cuarta", "edition: \"04\"\n", "d4", 9000, "2027-03-01", 200, "olga"};
  const StoredEdition sooner{"03", "Tercera", "edition: \"03\"\n", "d3", 5000, "2027-01-04", 100, "admin"};
  write_ok([&](WriteTx& tx) -> Status {
    if (auto st = tx.insert_edition(later); !st) return st;
    return tx.insert_edition(sooner);
  });
  read([&](ReadTx& tx) {
    auto bare = tx.editions(false);
    ASSERT_EQ(bare.size(), 2u);
    EXPECT_EQ(bare[0].code, "03");
    EXPECT_EQ(bare[0].yaml, "");
    EXPECT_EQ(bare[0].sha256, "d3");
    EXPECT_EQ(bare[1].code, "04");
    auto full = tx.editions(true);
    ASSERT_EQ(full.size(), 2u);
    EXPECT_EQ(full[0].yaml, sooner.yaml);
    EXPECT_EQ(full[0].title, "Tercera");
    EXPECT_EQ(full[0].effective_from, 5000);
    EXPECT_EQ(full[0].effective_date, "2027-01-04");
    EXPECT_EQ(full[0].loaded_at, 100);
    EXPECT_EQ(full[0].loaded_by, "admin");
  });
  // The same code, or another edition starting at the same instant: refused, nothing written.
  StoredEdition same_code = later;
  same_code.effective_from = 12000;
  StoredEdition same_instant = later;
  same_instant.code = "05";
  for (const StoredEdition& e : {same_code, same_instant}) {
    Status refused = store_->write([&](WriteTx& tx) { return tx.insert_edition(e); });
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Code::already_exists);
  }
  read([&](ReadTx& tx) { EXPECT_EQ(tx.editions(false).size(), 2u); });
}

TEST_P(StoreSuite, ApiTokensRoundtripWithUseRevocationAndExpiry) {
  std::int64_t first = 0;
  std::int64_t second = 0;
  write_ok([&](WriteTx& tx) -> Status {
    if (auto st = tx.insert_user(sample_user("ana")); !st) return st;
    auto a = tx.insert_token({0, "ana", "ci", "digest-a", "ppt_aaaaaaaa", 1000, 0, false, 1000 + 90 * 86'400'000LL});
    auto b = tx.insert_token({0, "ana", "old", "digest-b", "ppt_bbbbbbbb", 2000, 0, false, 0});
    if (!a || !b) return make_error(Code::internal, "t", "t", "t");
    first = *a;
    second = *b;
    EXPECT_FALSE(tx.insert_token({0, "nobody", "x", "digest-c", "ppt_c", 1, 0, false, 0}));
    return ok_status();
  });
  write_ok([&](WriteTx& tx) { return tx.touch_token(first, 5000); });
  write_ok([&](WriteTx& tx) { return tx.revoke_token("ana", second); });
  read([&](ReadTx& tx) {
    auto a = tx.token_by_digest("digest-a");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->id, first);
    EXPECT_EQ(a->name, "ci");
    EXPECT_EQ(a->prefix, "ppt_aaaaaaaa");
    EXPECT_EQ(a->created_at, 1000);
    EXPECT_EQ(a->last_used_at, 5000);
    EXPECT_FALSE(a->revoked);
    EXPECT_EQ(a->expires_at, 1000 + 90 * 86'400'000LL);
    auto all = tx.tokens("ana");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, second);  // newest first
    EXPECT_TRUE(all[0].revoked);
    EXPECT_EQ(all[0].expires_at, 0);
    EXPECT_FALSE(tx.token_by_digest("digest-c"));
  });
}

}  // namespace
}  // namespace pasaprod::testing_store
