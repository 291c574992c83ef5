// Helpers for the store and audit tests: a temporary directory and sample domain values.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "core/model.h"
#include "storage/store.h"

namespace pasaprod::testing_store {

// A fresh directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string base = ::testing::TempDir();
    if (base.empty() || base.back() != '/') base += '/';
    std::string tmpl = base + "pasaprod-store-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline User sample_user(const std::string& username) {
  User u;
  u.username = username;
  u.name = "Nombre " + username;
  u.email = username + "@example.pe";
  u.lang = "es";
  u.grants = {{"qa_lead", ""}, {"functional_user", "SIGA"}};
  return u;
}

inline System sample_system(const std::string& code) {
  System s;
  s.code = code;
  s.name = "Sistema " + code;
  s.description = "Descripción de " + code;
  s.unit = "Oficina de Tecnologías";
  s.origin = "inhouse";
  s.technology = "Java 17";
  s.status = "in_production";
  s.initial_version = "2.3";
  s.indecopi = {"2025-01-15", "EXP-001", "requested"};
  s.created_at = 1'700'000'000'000;
  return s;
}

inline Release sample_release(const std::string& number, Timestamp created_at) {
  Release r;
  r.number = number;
  r.system = "SIGA";
  r.kind = "maintenance";
  r.version = "2.4";
  r.title = "Mejora del módulo de planillas";
  r.summary = "Cambios en el cálculo";
  r.requester = "ana";
  r.state = "draft";
  r.edition = "02";
  r.created_at = created_at;
  r.updated_at = created_at;
  return r;
}

// The append-only triggers of audit_events, as the schema creates them (for tests that drop
// them to tamper and put them back).
inline constexpr const char* kTriggersSql =
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events\n"
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events\n"
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;";

inline AuditEvent sample_event(const std::string& subject, int i) {
  AuditEvent e;
  e.at = 1'700'000'000'000 + i;
  e.actor = "ana";
  e.action = "release.act";
  e.subject = subject;
  e.before = R"({"state":"draft"})";
  e.after = R"({"state":"in_qa","i":)" + std::to_string(i) + "}";
  return e;
}

// Appends sample_event(subject, i) in a write of its own.
inline Status append_sample(Store& store, const std::string& subject, int i) {
  return store.write([&](WriteTx& tx) -> Status {
    auto e = tx.append_event(sample_event(subject, i));
    return e ? ok_status() : Status(e.error());
  });
}

// Calls fn with every event after after_seq, in one snapshot (ReadTx::scan_events).
inline void scan_events(Store& store, std::int64_t after_seq, const std::function<bool(const AuditEvent&)>& fn) {
  Status st = store.read([&](ReadTx& tx) {
    tx.scan_events(after_seq, fn);
    return ok_status();
  });
  EXPECT_TRUE(st.ok());
}

inline int count_events(Store& store) {
  int n = 0;
  scan_events(store, 0, [&](const AuditEvent&) { return ++n > 0; });
  return n;
}

}  // namespace pasaprod::testing_store
