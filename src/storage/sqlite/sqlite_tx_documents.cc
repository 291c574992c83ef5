// SqliteTx: generated documents (schema v3).
#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod::sqlite {
namespace {

constexpr const char* kColumns =
    "id, release, kind, step, name, sha256, size, verification_code, payload, manifest_sha256, lang, issued_at, issued_by";

IssuedDocument document_from(const Stmt& st) {
  IssuedDocument d;
  d.id = st.integer(0);
  d.release = st.text(1);
  d.kind = st.text(2);
  d.step = st.text(3);
  d.name = st.text(4);
  d.sha256 = st.text(5);
  d.size = st.integer(6);
  d.verification_code = st.text(7);
  d.payload = st.text(8);
  d.manifest_sha256 = st.text(9);
  d.lang = st.text(10);
  d.issued_at = st.integer(11);
  d.issued_by = st.text(12);
  return d;
}

}  // namespace

std::vector<IssuedDocument> SqliteTx::documents_of(const std::string& number) {
  std::vector<IssuedDocument> out;
  Stmt st = db_.query(std::string("SELECT ") + kColumns + " FROM documents WHERE release = ? ORDER BY id", number);
  while (st.step()) out.push_back(document_from(st));
  return out;
}

std::vector<IssuedDocument> SqliteTx::find_documents(const std::string& sha256, const std::string& code) {
  std::vector<IssuedDocument> out;
  Stmt st = db_.query(std::string("SELECT ") + kColumns +
                          " FROM documents WHERE sha256 = ? OR (? <> '' AND verification_code = ?) ORDER BY id",
                      sha256, code, code);
  while (st.step()) out.push_back(document_from(st));
  return out;
}

bool SqliteTx::blob_referenced(const std::string& sha256) {
  Stmt st = db_.query(
      "SELECT EXISTS(SELECT 1 FROM documents WHERE sha256 = ?) OR EXISTS(SELECT 1 FROM release_files WHERE sha256 = ?)", sha256,
      sha256);
  return st.step() && st.integer(0) != 0;
}

Result<std::int64_t> SqliteTx::insert_document(const IssuedDocument& d) {
  if (!release_exists(d.release)) {
    return make_error(Code::not_found, "store.not_found", "No existe la solicitud «" + d.release + "».",
                      "There is no request '" + d.release + "'.");
  }
  db_.query(
         "INSERT INTO documents(release, kind, step, name, sha256, size, verification_code, payload, manifest_sha256, lang, "
         "issued_at, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         d.release, d.kind, d.step, d.name, d.sha256, d.size, d.verification_code, d.payload, d.manifest_sha256, d.lang,
         d.issued_at, d.issued_by)
      .run();
  return db_.last_insert_rowid();
}

}  // namespace pasaprod::sqlite
