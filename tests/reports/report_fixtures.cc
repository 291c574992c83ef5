#include "report_fixtures.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "core/manifest.h"
#include "util/sha256.h"

namespace pasaprod::reports::testing {

const Procedure& procedure() {
  static const Procedure p = [] {
    auto loaded = load_procedure(builtin_procedure_yaml(), kBuiltinProcedureName);
    if (!loaded) {
      std::cerr << loaded.error().en << "\n";
      std::abort();
    }
    return *loaded;
  }();
  return p;
}

Timestamp at(const std::string& iso) {
  auto t = parse_iso(iso);
  if (!t) {
    std::cerr << "bad time in test: " << iso << "\n";
    std::abort();
  }
  return *t;
}

Release release(const std::string& number, const std::string& system, const std::string& kind, const std::string& version,
                const std::string& created_iso) {
  Release r;
  r.number = number;
  r.system = system;
  r.kind = kind;
  r.version = version;
  r.title = "Versión " + version + " de " + system;
  r.summary = "Corrige el cálculo de promedios y añade la exportación de actas.";
  r.requester = "jquispe";
  r.state = "draft";
  r.edition = "02";
  r.created_at = at(created_iso);
  r.updated_at = r.created_at;
  return r;
}

void add_files(Release& r, const std::vector<std::string>& slots) {
  for (const auto& slot : slots) {
    DeliverableFile f;
    f.slot = slot;
    f.name = slot + "-" + r.version + ".zip";
    f.size = 1000 + static_cast<std::int64_t>(slot.size()) * 1234;
    f.sha256 = sha256_hex(r.number + "/" + f.name);
    f.uploaded_by = "jquispe";
    f.uploaded_at = r.created_at;
    r.files.push_back(f);
  }
}

void add_kind_files(Release& r) {
  std::vector<std::string> slots;
  for (const auto& s : procedure().kind(r.kind)->slots) {
    if (!procedure().slot(s)->generated) slots.push_back(s);
  }
  add_files(r, slots);
}

void accept_all(Release& r, const std::string& by, const std::string& iso) {
  std::vector<std::string> done;
  for (const auto& f : r.files) {
    if (std::find(done.begin(), done.end(), f.slot) != done.end()) continue;
    done.push_back(f.slot);
    r.reviews.push_back(Review{f.slot, "accepted", "", by, at(iso), slot_digest(r, f.slot)});
  }
}

void act(Release& r, const std::string& action, const std::string& to, const std::string& by, const std::string& iso,
         const std::string& note) {
  r.transitions.push_back(Transition{action, r.state, to, by, note, at(iso), manifest_sha256(r)});
  r.state = to;
  r.updated_at = at(iso);
}

void record(Release& r, const std::string& type, std::map<std::string, std::string> fields, const std::string& by,
            const std::string& iso) {
  Record rec;
  rec.id = static_cast<std::int64_t>(r.records.size()) + 1;
  rec.type = type;
  rec.fields = std::move(fields);
  rec.by = by;
  rec.at = at(iso);
  rec.manifest_sha256 = manifest_sha256(r);
  r.records.push_back(std::move(rec));
}

}  // namespace pasaprod::reports::testing
