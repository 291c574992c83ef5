#include "storage/replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "util/sha256.h"


namespace pasaprod {

namespace {

using json = nlohmann::json;

struct FileKey {
  std::string release, slot, name;
  auto operator<=>(const FileKey&) const = default;
};

// One row of a request's history as the trail states it: its content, compared in full, and
// the event that recorded it.
struct Entry {
  std::string content;
  std::int64_t seq = 0;
};
using History = std::map<std::string, std::vector<Entry>>;  // release → rows in order

// What the trail says the rows must be.
struct Replayed {
  std::map<std::string, std::pair<std::string, std::int64_t>> state;  // release → (state, seq)
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> row_version;  // release → (version, seq)
  std::map<FileKey, std::pair<std::string, std::int64_t>> files;      // → (sha256, seq)
  History transitions, records, reviews;                              // sign-offs, votes, reviews
  std::map<std::string, std::pair<std::set<std::string>, std::int64_t>> roles;  // user → ("role@system")
  std::map<std::string, std::pair<std::string, std::int64_t>> editions;  // code → (edition_content, seq)
  // The previous event, to tell a deliverable a document fills (in the same transaction,
  // right after the document's event; no version bump of its own) from an upload.
  std::int64_t prev_seq = 0;
  std::string prev_subject;
  bool prev_fills = false;  // the previous event issued a document or filled a deliverable with it
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

json object_or_empty(const json& j, const char* key) {
  if (!j.is_object()) return json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : json::object();
}

// The canonical content of a row (keys sorted by nlohmann::json).
std::string transition_content(const std::string& action, const std::string& from, const std::string& to, const std::string& by,
                               const std::string& note, const std::string& manifest) {
  return json{{"action", action}, {"from", from}, {"to", to}, {"by", by}, {"note", note}, {"manifest_sha256", manifest}}.dump();
}
std::string record_content(const std::string& type, const json& fields, const std::string& by, const std::string& manifest) {
  return json{{"type", type}, {"fields", fields}, {"by", by}, {"manifest_sha256", manifest}}.dump();
}
std::string review_content(const std::string& slot, const std::string& verdict, const std::string& note, const std::string& by,
                           const std::string& digest) {
  return json{{"slot", slot}, {"verdict", verdict}, {"note", note}, {"by", by}, {"slot_digest", digest}}.dump();
}

// What the trail fixes of a loaded edition: its file's digest and when it is in force.
std::string edition_content(const std::string& sha256, const std::string& effective_from, const std::string& effective_date) {
  return json{{"sha256", sha256}, {"effective_from", effective_from}, {"effective_date", effective_date}}.dump();
}

void replay(const AuditEvent& e, Replayed& r) {
  const json after = parse(e.after);
  const json before = parse(e.before);
  const bool follows_fill = r.prev_fills && r.prev_seq == e.seq - 1 && r.prev_subject == e.subject;
  bool fills = false;
  const auto bump = [&] {
    if (auto it = r.row_version.find(e.subject); it != r.row_version.end()) it->second = {it->second.first + 1, e.seq};
  };
  if (e.action == "release.open" || e.action == "release.act") {
    if (const std::string s = str(after, "state"); !s.empty()) r.state[e.subject] = {s, e.seq};
    if (e.action == "release.open") {
      r.row_version[e.subject] = {1, e.seq};
    } else {
      bump();
      r.transitions[e.subject].push_back({transition_content(str(after, "action"), str(before, "state"), str(after, "state"), e.actor,
                                                             str(after, "note"), str(after, "manifest_sha256")),
                                          e.seq});
    }
  } else if (e.action == "document.issue") {
    fills = true;
  } else if (e.action == "deliverable.add" || e.action == "deliverable.replace") {
    r.files[{e.subject, str(after, "slot"), str(after, "name")}] = {str(after, "sha256"), e.seq};
    if (e.action == "deliverable.add" && follows_fill) {
      fills = true;  // filled by the document just issued, in the action's transaction
    } else {
      bump();
    }
  } else if (e.action == "deliverable.remove") {
    r.files.erase({e.subject, str(before, "slot"), str(before, "name")});
    bump();
  } else if (e.action == "release.record") {
    bump();
    r.records[e.subject].push_back(
        {record_content(str(after, "type"), object_or_empty(after, "fields"), e.actor, str(after, "manifest_sha256")), e.seq});
  } else if (e.action == "release.review") {
    bump();
    r.reviews[e.subject].push_back(
        {review_content(str(after, "slot"), str(after, "verdict"), str(after, "note"), e.actor, str(after, "slot_digest")), e.seq});
  } else if (e.action == "procedure.load") {
    r.editions[str(after, "edition")] = {
        edition_content(str(after, "sha256"), str(after, "effective_from"), str(after, "effective_date")), e.seq};
  } else if (e.action.rfind("user.", 0) == 0 && after.is_object() && after.contains("roles") &&
             after["roles"].is_array()) {
    std::set<std::string> roles;
    for (const auto& g : after["roles"]) {
      if (g.is_string()) roles.insert(g.get<std::string>());
    }
    r.roles[e.subject] = {std::move(roles), e.seq};
  }
  r.prev_seq = e.seq;
  r.prev_subject = e.subject;
  r.prev_fills = fills;
}

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "-" : out;
}

// The rows, as the backend streams them, in the replay's terms.
struct Rows final : AuditedRowsVisitor {
  std::map<std::string, std::pair<std::string, std::int64_t>> releases;  // → (state, row_version)
  std::map<FileKey, std::string> files;                                   // → sha256
  History transitions, records, reviews;

  void release(const std::string& number, const std::string& state, std::int64_t row_version) override {
    releases[number] = {state, row_version};
  }
  void file(const std::string& release, const DeliverableFile& f) override { files[{release, f.slot, f.name}] = f.sha256; }
  void transition(const std::string& release, const Transition& t) override {
    transitions[release].push_back({transition_content(t.action, t.from, t.to, t.by, t.note, t.manifest_sha256)});
  }
  void record(const std::string& release, const Record& r) override {
    json fields = json::object();
    for (const auto& [k, v] : r.fields) fields[k] = v;
    records[release].push_back({record_content(r.type, fields, r.by, r.manifest_sha256)});
  }
  void review(const std::string& release, const Review& r) override {
    reviews[release].push_back({review_content(r.slot, r.verdict, r.note, r.by, r.slot_digest)});
  }
};

}  // namespace

std::vector<audit::AuditProblem> replay_trail(ReadTx& tx) {
  Replayed r;
  tx.scan_events(0, [&](const AuditEvent& e) {
    replay(e, r);
    return true;
  });
  Rows rows;
  tx.scan_audited_rows(rows);
  std::vector<audit::AuditProblem> out;
  const auto differs = [&](std::int64_t seq, std::string id, std::string es, std::string en) {
    out.push_back({seq, std::move(id), std::move(es), std::move(en)});
  };

  for (const auto& [number, row] : rows.releases) {
    const auto& [state, row_version] = row;
    if (auto v = r.row_version.find(number); v != r.row_version.end() && v->second.first != row_version) {
      differs(v->second.second, "audit.replay_row_version",
              fmt::format("la solicitud {} está en su versión de fila {}, pero según la pista (evento {}) debe estar en la {}", number,
                          row_version, v->second.second, v->second.first),
              fmt::format("request {} is at row version {}, but by the trail (event {}) it must be at {}", number, row_version,
                          v->second.second, v->second.first));
    }
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
  for (const auto& [number, st] : r.state) {
    if (!rows.releases.contains(number)) {
      differs(st.second, "audit.replay_release",
              fmt::format("la pista registra la solicitud {}, que ya no existe", number),
              fmt::format("the trail records request {}, which no longer exists", number));
    }
  }

  {
    for (const auto& [k, sha] : rows.files) {
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
      if (!rows.files.contains(k)) {
        differs(v.second, "audit.replay_file",
                fmt::format("falta el archivo {}/{} de la solicitud {} (evento {})", k.slot, k.name, k.release, v.second),
                fmt::format("file {}/{} of request {} is missing (event {})", k.slot, k.name, k.release, v.second));
      }
    }
  }

  // Each request's sign-offs (transitions), records (votes among them) and reviews, row by row.
  const auto compare_history = [&](const History& want, History have, const char* id, const char* es_what, const char* en_what) {
    std::set<std::string> keys;
    for (const auto& [k, v] : have) keys.insert(k);
    for (const auto& [k, v] : want) keys.insert(k);
    for (const std::string& k : keys) {
      const std::vector<Entry>& rows = have[k];
      const std::vector<Entry> none;
      const std::vector<Entry>& trail = want.contains(k) ? want.at(k) : none;
      for (std::size_t i = 0; i < std::max(rows.size(), trail.size()); ++i) {
        if (i < rows.size() && i < trail.size() && rows[i].content == trail[i].content) continue;
        const std::int64_t seq = i < trail.size() ? trail[i].seq : 0;
        const std::string row = i < rows.size() ? rows[i].content : "-";
        const std::string event = i < trail.size() ? trail[i].content : "-";
        differs(seq, id,
                fmt::format("{} n.º {} de la solicitud {} es {}, pero según la pista (evento {}) es {}", es_what, i + 1, k, row, seq, event),
                fmt::format("{} #{} of request {} is {}, but by the trail (event {}) it is {}", en_what, i + 1, k, row, seq, event));
        break;  // one difference per request and history: the rest follows from it
      }
    }
  };
  compare_history(r.transitions, std::move(rows.transitions), "audit.replay_transitions", "El paso", "Step");
  compare_history(r.records, std::move(rows.records), "audit.replay_records", "El registro", "Record");
  compare_history(r.reviews, std::move(rows.reviews), "audit.replay_reviews", "La revisión", "Review");

  {
    std::map<std::string, std::set<std::string>> roles;
    for (const User& u : tx.users()) {
      std::set<std::string>& have = roles[u.username];
      for (const RoleGrant& g : u.grants) have.insert(g.system.empty() ? g.role : g.role + "@" + g.system);
    }
    for (const auto& [user, have] : roles) {
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
  {
    // Each loaded edition: the file as stored (its digest recomputed) and its date, against the
    // trail; the edition decides how its requests are judged.
    std::set<std::string> stored;
    for (const StoredEdition& e : tx.editions(true)) {
      stored.insert(e.code);
      const std::string have = edition_content(sha256_hex(e.yaml), format_iso(e.effective_from), e.effective_date);
      auto it = r.editions.find(e.code);
      if (it == r.editions.end()) {
        differs(0, "audit.replay_edition", fmt::format("la edición {} no está en la pista", e.code),
                fmt::format("edition {} is not in the trail", e.code));
      } else if (it->second.first != have) {
        differs(it->second.second, "audit.replay_edition",
                fmt::format("la edición {} guardada es {}, pero según la pista (evento {}) es {}", e.code, have,
                            it->second.second, it->second.first),
                fmt::format("stored edition {} is {}, but by the trail (event {}) it is {}", e.code, have, it->second.second,
                            it->second.first));
      }
    }
    for (const auto& [code, v] : r.editions) {
      if (!stored.contains(code)) {
        differs(v.second, "audit.replay_edition", fmt::format("falta la edición {} (evento {})", code, v.second),
                fmt::format("edition {} is missing (event {})", code, v.second));
      }
    }
  }
  return out;
}

}  // namespace pasaprod
