// Office: the library baseline of each system version (SPEC §6) — listing, the archive, and
// the verification of a downloaded archive against its manifest and the database.
#include <algorithm>
#include <map>
#include <sstream>

#include "core/manifest.h"
#include "core/version.h"
#include "service/office.h"
#include "service/office_internal.h"

namespace pasaprod {
namespace {

constexpr const char* kManifestMagic = "pasaprod-baseline-v1";

// The MANIFEST text of a baseline. Stable: verify parses it back.
std::string manifest_text(const Baseline& b) {
  std::string t = std::string(kManifestMagic) + "\n";
  t += "system: " + b.system + "\n";
  t += "version: " + b.version + "\n";
  t += "release: " + b.release + "\n";
  t += "state: " + b.state + "\n";
  t += "approval_manifest_sha256: " + b.manifest_sha256 + "\n";
  t += "frozen_at: " + format_iso(b.frozen_at) + "\n";
  t += "frozen_by: " + b.frozen_by + "\n";
  t += "files: " + std::to_string(b.files.size()) + "\n\n";
  for (const auto& f : b.files) t += f.sha256 + " " + std::to_string(f.size) + " " + f.path + "\n";
  return t;
}

std::string sha256sums_text(const std::vector<BaselineFile>& files) {
  std::string t;
  for (const auto& f : files) t += f.sha256 + "  " + f.path + "\n";
  return t;
}

struct ParsedManifest {
  std::map<std::string, std::string> header;
  std::vector<BaselineFile> files;
};

std::optional<ParsedManifest> parse_manifest(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kManifestMagic) return std::nullopt;
  ParsedManifest m;
  while (std::getline(in, line) && !line.empty()) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos) return std::nullopt;
    m.header[line.substr(0, colon)] = line.substr(colon + 2);
  }
  while (std::getline(in, line)) {
    const auto a = line.find(' ');
    const auto b = a == std::string::npos ? a : line.find(' ', a + 1);
    if (b == std::string::npos) return std::nullopt;
    BaselineFile f;
    f.sha256 = line.substr(0, a);
    try {
      f.size = std::stoll(line.substr(a + 1, b - a - 1));
    } catch (...) {
      return std::nullopt;
    }
    f.path = line.substr(b + 1);
    m.files.push_back(std::move(f));
  }
  return m;
}

Error mismatch(const std::string& id, const std::string& es, const std::string& en) {
  return make_error(Code::data_loss, "archive." + id, es, en);
}

// The request's latest record of the type that `is: baseline` under its edition, or nullptr.
const Record* baseline_record(const Procedure* proc, const Release& r) {
  const RecordTypeDef* t = proc ? proc->record_meaning("baseline") : nullptr;
  return t ? r.latest_record(t->code) : nullptr;
}

}  // namespace

Result<Baseline> Office::baseline_of(ReadTx& tx, const Release& r) {
  const Procedure* proc = procedures_.edition(r.edition);
  const Record* rec = baseline_record(proc, r);
  Baseline b;
  b.system = r.system;
  b.version = r.version;
  b.release = r.number;
  b.state = r.state;
  if (rec) {
    auto it = rec->fields.find("manifest_sha256");
    b.manifest_sha256 = it != rec->fields.end() ? it->second : rec->manifest_sha256;
    b.frozen_at = rec->at;
    b.frozen_by = rec->by;
  }
  if (b.manifest_sha256.empty()) b.manifest_sha256 = manifest_sha256(r);
  std::vector<const DeliverableFile*> files;
  for (const auto& f : r.files) files.push_back(&f);
  auto slot_rank = [&](const std::string& slot) -> std::size_t {
    const KindDef* k = proc ? proc->kind(r.kind) : nullptr;
    if (!k) return 0;
    return static_cast<std::size_t>(std::find(k->slots.begin(), k->slots.end(), slot) - k->slots.begin());
  };
  std::stable_sort(files.begin(), files.end(), [&](const DeliverableFile* a, const DeliverableFile* b) {
    const auto ra = slot_rank(a->slot), rb = slot_rank(b->slot);
    return ra != rb ? ra < rb : (a->slot != b->slot ? a->slot < b->slot : a->name < b->name);
  });
  for (const auto* f : files) b.files.push_back({"deliverables/" + f->slot + "/" + f->name, f->sha256, f->size});
  // Documents: the newest of each name (a step taken again issues a new one).
  std::map<std::string, IssuedDocument> newest;
  for (auto& d : tx.documents_of(r.number)) newest[d.name] = d;
  std::vector<IssuedDocument> docs;
  for (auto& [name, d] : newest) docs.push_back(d);
  std::sort(docs.begin(), docs.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const auto& d : docs) b.files.push_back({"documents/" + d.name, d.sha256, d.size});
  return b;
}

Result<std::vector<Baseline>> Office::baselines(const std::string& system) {
  std::vector<Baseline> out;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    if (!tx.system(system)) return office_internal::not_found("El sistema", "System", system);
    ReleaseFilter f;
    f.system = system;
    f.limit = 1000;
    for (;;) {
      ReleasePage page = tx.releases(f);
      for (const auto& s : page.items) {
        if (!procedures_.production_somewhere(s.state)) continue;
        auto r = tx.release(s.number);
        if (!r) continue;
        const Procedure* proc = procedures_.edition(r->edition);
        if (!proc || !proc->is_production(r->state) || !baseline_record(proc, *r)) continue;
        auto b = baseline_of(tx, *r);
        if (!b) return b.error();
        out.push_back(std::move(*b));
      }
      if (page.items.size() < static_cast<std::size_t>(f.limit)) break;
      f.offset += f.limit;
    }
    return ok_status();
  });
  if (!st) return st.error();
  std::sort(out.begin(), out.end(), [](const Baseline& a, const Baseline& b) {
    auto va = Version::parse(a.version), vb = Version::parse(b.version);
    if (va && vb) return *vb < *va;
    return a.version > b.version;
  });
  return out;
}

Result<Baseline> Office::baseline(const std::string& system, const std::string& version) {
  auto all = baselines(system);
  if (!all) return all.error();
  for (auto& b : *all) {
    if (b.version == version) return std::move(b);
  }
  const std::string type = current_procedure().meaning_code("baseline");
  return make_error(Code::not_found, "baseline.not_found",
                    "El sistema " + system + " no tiene línea base de la versión " + version + " (se congela con el registro «" +
                        current_procedure().record_name(type, Lang::es) + "» de un pase en producción).",
                    "System " + system + " has no baseline of version " + version + " (it is frozen by the \"" +
                        current_procedure().record_name(type, Lang::en) + "\" record of a release in production).");
}

Result<BaselineArchive> Office::baseline_archive(const std::string& system, const std::string& version) {
  auto b = baseline(system, version);
  if (!b) return b.error();
  const std::string root = b->system + "-" + b->version + "/";
  const std::string manifest = manifest_text(*b);
  std::vector<TarEntry> entries;
  entries.push_back(TarEntry::memory(root + "MANIFEST", manifest));
  entries.push_back(TarEntry::memory(root + "SHA256SUMS", sha256sums_text(b->files)));
  for (const auto& f : b->files) entries.push_back(TarEntry::blob(root + f.path, f.sha256, f.size));
  BaselineArchive a;
  a.file_name = b->system + "-" + b->version + "-linea-base.tar";
  a.etag = sha256_hex(manifest);
  a.stream = std::make_unique<TarStream>(library_, std::move(entries), (b->frozen_at ? b->frozen_at : clock_.now()) / 1000);
  return a;
}

Result<ArchiveCheck> Office::verify_baseline_archive(const std::filesystem::path& path) {
  auto is_manifest = [](const std::string& p, std::int64_t) {
    const auto slash = p.find('/');
    if (slash == std::string::npos) return false;
    const std::string rest = p.substr(slash + 1);
    return rest == "MANIFEST" || rest == "SHA256SUMS";
  };
  auto members = scan_tar(path, is_manifest);
  if (!members) return members.error();
  ArchiveCheck check;
  const TarMember* man = nullptr;
  const TarMember* sums = nullptr;
  std::string root;
  for (const auto& m : *members) {
    if (!m.content) continue;
    const std::string rest = m.path.substr(m.path.find('/') + 1);
    if (rest == "MANIFEST") {
      if (man) {
        check.problems.push_back(mismatch("two_manifests", "El archivo contiene más de un MANIFEST.", "The archive holds more than one MANIFEST."));
        return check;
      }
      man = &m;
      root = m.path.substr(0, m.path.find('/') + 1);
    } else {
      sums = &m;
    }
  }
  if (!man) {
    check.problems.push_back(mismatch("no_manifest", "El archivo no contiene un MANIFEST de línea base de pasaprod.",
                                      "The archive holds no pasaprod baseline MANIFEST."));
    return check;
  }
  auto parsed = parse_manifest(*man->content);
  if (!parsed) {
    check.problems.push_back(mismatch("bad_manifest", "El MANIFEST del archivo está alterado o no se puede leer.",
                                      "The archive's MANIFEST was altered or cannot be read."));
    return check;
  }
  check.system = parsed->header["system"];
  check.version = parsed->header["version"];
  check.release = parsed->header["release"];

  // 1. Every member against the MANIFEST.
  std::map<std::string, const TarMember*> by_path;
  for (const auto& m : *members) {
    if (m.path.rfind(root, 0) != 0) {
      check.problems.push_back(mismatch("extra_file", "El archivo contiene «" + m.path + "», que no pertenece a la línea base.",
                                        "The archive holds \"" + m.path + "\", which is not part of the baseline."));
      continue;
    }
    by_path[m.path.substr(root.size())] = &m;
  }
  std::map<std::string, const BaselineFile*> listed;
  for (const auto& f : parsed->files) {
    listed[f.path] = &f;
    auto it = by_path.find(f.path);
    if (it == by_path.end()) {
      check.problems.push_back(mismatch("missing_file", "Falta el archivo «" + f.path + "» que el MANIFEST lista.",
                                        "The file \"" + f.path + "\" listed in the MANIFEST is missing."));
      continue;
    }
    ++check.files_checked;
    if (it->second->sha256 != f.sha256 || it->second->size != f.size) {
      check.problems.push_back(mismatch("digest_mismatch",
                                        "El archivo «" + f.path + "» fue alterado: su SHA-256 es " + it->second->sha256 +
                                            " y el MANIFEST dice " + f.sha256 + ".",
                                        "The file \"" + f.path + "\" was altered: its SHA-256 is " + it->second->sha256 +
                                            " and the MANIFEST says " + f.sha256 + "."));
    }
  }
  for (const auto& [p, m] : by_path) {
    if (p == "MANIFEST" || p == "SHA256SUMS" || listed.count(p)) continue;
    check.problems.push_back(mismatch("extra_file", "El archivo contiene «" + p + "», que el MANIFEST no lista.",
                                      "The archive holds \"" + p + "\", which the MANIFEST does not list."));
  }
  if (sums && *sums->content != sha256sums_text(parsed->files)) {
    check.problems.push_back(mismatch("sums_mismatch", "SHA256SUMS no coincide con el MANIFEST.", "SHA256SUMS does not match the MANIFEST."));
  }

  // 2. The MANIFEST against the database.
  auto db = baseline(check.system, check.version);
  if (!db) {
    check.problems.push_back(mismatch("not_in_database",
                                      "La base de datos no tiene la línea base " + check.system + " " + check.version + ": " + db.error().es,
                                      "The database has no baseline " + check.system + " " + check.version + ": " + db.error().en));
  } else {
    if (db->release != check.release) {
      check.problems.push_back(mismatch("release_mismatch", "El MANIFEST nombra la solicitud " + check.release + "; la base de datos, " + db->release + ".",
                                        "The MANIFEST names request " + check.release + "; the database, " + db->release + "."));
    }
    if (db->manifest_sha256 != parsed->header["approval_manifest_sha256"]) {
      check.problems.push_back(mismatch("approval_manifest_mismatch",
                                        "El SHA-256 del manifiesto de aprobación del MANIFEST no es el registrado (" + db->manifest_sha256 + ").",
                                        "The MANIFEST's approval manifest SHA-256 is not the recorded one (" + db->manifest_sha256 + ")."));
    }
    std::map<std::string, const BaselineFile*> recorded;
    for (const auto& f : db->files) {
      recorded[f.path] = &f;
      auto it = listed.find(f.path);
      if (it == listed.end()) {
        check.problems.push_back(mismatch("missing_in_manifest", "El MANIFEST no lista «" + f.path + "», que la base de datos registra.",
                                          "The MANIFEST does not list \"" + f.path + "\", which the database records."));
      } else if (it->second->sha256 != f.sha256) {
        check.problems.push_back(mismatch("manifest_digest_mismatch",
                                          "El MANIFEST da a «" + f.path + "» el SHA-256 " + it->second->sha256 + "; la base de datos registra " + f.sha256 + ".",
                                          "The MANIFEST gives \"" + f.path + "\" SHA-256 " + it->second->sha256 + "; the database records " + f.sha256 + "."));
      }
    }
    for (const auto& [p, f] : listed) {
      if (!recorded.count(p)) {
        check.problems.push_back(mismatch("unknown_in_manifest", "El MANIFEST lista «" + p + "», que la base de datos no registra.",
                                          "The MANIFEST lists \"" + p + "\", which the database does not record."));
      }
    }
  }
  check.ok = check.problems.empty();
  return check;
}

}  // namespace pasaprod
