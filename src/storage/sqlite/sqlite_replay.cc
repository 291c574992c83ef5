// SqliteStore::replay_differences: the audit trail replayed and compared with the rows.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "storage/sqlite/db.h"
#include "storage/sqlite/sqlite_store.h"
#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod {

namespace {

using json = nlohmann::json;

struct FileKey {
  std::string release, slot, name;
  auto operator<=>(const FileKey&) const = default;
};

// What the trail says the rows must be.
struct Replayed {
  std::map<std::string, std::pair<std::string, std::int64_t>> state;  // release → (state, seq)
  std::map<FileKey, std::pair<std::string, std::int64_t>> files;      // → (sha256, seq)
  std::map<std::string, std::int64_t> records, reviews;               // release → count
  std::map<std::string, std::pair<std::set<std::string>, std::int64_t>> roles;  // user → ("role@system")
};

json parse(const std::string& text) {
  if (text.empty()) return nullptr;
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

void replay(const AuditEvent& e, Replayed& r) {
  const json after = parse(e.after);
  const json before = parse(e.before);
  if (e.action == "release.open" || e.action == "release.act") {
    if (const std::string s = str(after, "state"); !s.empty()) r.state[e.subject] = {s, e.seq};
  } else if (e.action == "deliverable.add" || e.action == "deliverable.replace") {
    r.files[{e.subject, str(after, "slot"), str(after, "name")}] = {str(after, "sha256"), e.seq};
  } else if (e.action == "deliverable.remove") {
    r.files.erase({e.subject, str(before, "slot"), str(before, "name")});
  } else if (e.action == "release.record") {
    ++r.records[e.subject];
  } else if (e.action == "release.review") {
    ++r.reviews[e.subject];
  } else if (e.action.rfind("user.", 0) == 0 && after.is_object() && after.contains("roles") &&
             after["roles"].is_array()) {
    std::set<std::string> roles;
    for (const auto& g : after["roles"]) {
      if (g.is_string()) roles.insert(g.get<std::string>());
    }
    r.roles[e.subject] = {std::move(roles), e.seq};
  }
}

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "-" : out;
}

}  // namespace

std::vector<audit::AuditProblem> SqliteStore::replay_differences() {
  std::unique_ptr<sqlite::Connection> conn = open_reader();
  sqlite::Connection& db = *conn;
  db.exec("BEGIN");  // one snapshot for the trail and the rows
  Replayed r;
  for (std::int64_t after = 0;;) {
    std::vector<AuditEvent> batch = sqlite::read_events(db, "", after, 1000);
    for (const AuditEvent& e : batch) replay(e, r);
    if (batch.size() < 1000) break;
    after = batch.back().seq;
  }
  std::vector<audit::AuditProblem> out;
  const auto differs = [&](std::int64_t seq, std::string id, std::string es, std::string en) {
    out.push_back({seq, std::move(id), std::move(es), std::move(en)});
  };

  std::set<std::string> numbers;
  {
    sqlite::Stmt st = db.query("SELECT number, state FROM releases ORDER BY number");
    while (st.step()) {
      const std::string number = st.text(0), state = st.text(1);
      numbers.insert(number);
      auto it = r.state.find(number);
      if (it == r.state.end()) {
        differs(0, "audit.replay_release",
                fmt::format("la solicitud {} existe pero la pista no registra su apertura", number),
                fmt::format("request {} exists but the trail does not record its opening", number));
      } else if (it->second.first != state) {
        differs(it->second.second, "audit.replay_state",
                fmt::format("la solicitud {} está en «{}», pero según la pista (evento {}) debe estar en «{}»",
                            number, state, it->second.second, it->second.first),
                fmt::format("request {} is in \"{}\", but by the trail (event {}) it must be in \"{}\"",
                            number, state, it->second.second, it->second.first));
      }
    }
  }
  for (const auto& [number, st] : r.state) {
    if (!numbers.contains(number)) {
      differs(st.second, "audit.replay_release",
              fmt::format("la pista registra la solicitud {}, que ya no existe", number),
              fmt::format("the trail records request {}, which no longer exists", number));
    }
  }

  {
    std::map<FileKey, std::string> rows;
    sqlite::Stmt st = db.query("SELECT release, slot, name, sha256 FROM release_files ORDER BY release, slot, name");
    while (st.step()) rows[{st.text(0), st.text(1), st.text(2)}] = st.text(3);
    for (const auto& [k, sha] : rows) {
      auto it = r.files.find(k);
      if (it == r.files.end()) {
        differs(0, "audit.replay_file",
                fmt::format("el archivo {}/{} de la solicitud {} no está en la pista", k.slot, k.name, k.release),
                fmt::format("file {}/{} of request {} is not in the trail", k.slot, k.name, k.release));
      } else if (it->second.first != sha) {
        differs(it->second.second, "audit.replay_file",
                fmt::format("el archivo {}/{} de la solicitud {} apunta a {}, pero según la pista (evento {}) es {}",
                            k.slot, k.name, k.release, sha, it->second.second, it->second.first),
                fmt::format("file {}/{} of request {} points to {}, but by the trail (event {}) it is {}",
                            k.slot, k.name, k.release, sha, it->second.second, it->second.first));
      }
    }
    for (const auto& [k, v] : r.files) {
      if (!rows.contains(k)) {
        differs(v.second, "audit.replay_file",
                fmt::format("falta el archivo {}/{} de la solicitud {} (evento {})", k.slot, k.name, k.release, v.second),
                fmt::format("file {}/{} of request {} is missing (event {})", k.slot, k.name, k.release, v.second));
      }
    }
  }

  for (const auto& [table, id, expected, es_what, en_what] :
       {std::tuple{"records", "audit.replay_records", &r.records, "registros", "records"},
        std::tuple{"reviews", "audit.replay_reviews", &r.reviews, "revisiones", "reviews"}}) {
    std::map<std::string, std::int64_t> rows;
    sqlite::Stmt st = db.query(fmt::format("SELECT release, count(*) FROM {} GROUP BY release", table));
    while (st.step()) rows[st.text(0)] = st.integer(1);
    std::set<std::string> keys;
    for (const auto& [k, n] : rows) keys.insert(k);
    for (const auto& [k, n] : *expected) keys.insert(k);
    for (const std::string& k : keys) {
      const std::int64_t have = rows.contains(k) ? rows[k] : 0;
      const std::int64_t want = expected->contains(k) ? expected->at(k) : 0;
      if (have != want) {
        differs(0, id, fmt::format("la solicitud {} tiene {} {}, pero la pista registra {}", k, have, es_what, want),
                fmt::format("request {} has {} {}, but the trail records {}", k, have, en_what, want));
      }
    }
  }

  {
    std::map<std::string, std::set<std::string>> rows;
    sqlite::Stmt users = db.query("SELECT username FROM users");
    while (users.step()) rows[users.text(0)];
    sqlite::Stmt st = db.query("SELECT username, role, system FROM user_roles");
    while (st.step()) rows[st.text(0)].insert(st.text(2).empty() ? st.text(1) : st.text(1) + "@" + st.text(2));
    for (const auto& [user, have] : rows) {
      auto it = r.roles.find(user);
      if (it == r.roles.end()) {
        if (have.empty()) continue;  // e.g. created before the trail recorded roles
        differs(0, "audit.replay_roles",
                fmt::format("el usuario {} tiene roles ({}) que la pista no registra", user, joined(have)),
                fmt::format("user {} has roles ({}) the trail does not record", user, joined(have)));
      } else if (it->second.first != have) {
        differs(it->second.second, "audit.replay_roles",
                fmt::format("el usuario {} tiene los roles {}, pero según la pista (evento {}) tiene {}", user,
                            joined(have), it->second.second, joined(it->second.first)),
                fmt::format("user {} has roles {}, but by the trail (event {}) has {}", user, joined(have),
                            it->second.second, joined(it->second.first)));
      }
    }
  }
  db.rollback_quietly();
  return out;
}

}  // namespace pasaprod
