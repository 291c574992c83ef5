// PgTx: generated documents and the library's references.
#include "storage/postgres/pg_tx.h"

namespace pasaprod::postgres {
namespace {

constexpr const char* kColumns =
    "id, release, kind, step, name, sha256, size, verification_code, payload, manifest_sha256, lang, issued_at, "
    "issued_by";

IssuedDocument document_from(const pg::Row& row) {
  IssuedDocument d;
  d.id = row.integer(0);
  d.release = row.text(1);
  d.kind = row.text(2);
  d.step = row.text(3);
  d.name = row.text(4);
  d.sha256 = row.text(5);
  d.size = row.integer(6);
  d.verification_code = row.text(7);
  d.payload = row.text(8);
  d.manifest_sha256 = row.text(9);
  d.lang = row.text(10);
  d.issued_at = row.integer(11);
  d.issued_by = row.text(12);
  return d;
}

}  // namespace

std::vector<IssuedDocument> PgTx::documents_of(const std::string& number) {
  std::vector<IssuedDocument> out;
  pg::Result r = db_.exec(std::string("SELECT ") + kColumns + " FROM documents WHERE release = $1 ORDER BY id", number);
  for (int i = 0; i < r.rows(); ++i) out.push_back(document_from(r.row(i)));
  return out;
}

std::vector<IssuedDocument> PgTx::find_documents(const std::string& sha256, const std::string& code) {
  std::vector<IssuedDocument> out;
  pg::Result r = db_.exec(std::string("SELECT ") + kColumns +
                              " FROM documents WHERE sha256 = $1 OR ($2 <> '' AND verification_code = $2) ORDER BY id",
                          sha256, code);
  for (int i = 0; i < r.rows(); ++i) out.push_back(document_from(r.row(i)));
  return out;
}

bool PgTx::blob_referenced(const std::string& sha256) {
  pg::Result r = db_.exec(
      "SELECT EXISTS (SELECT 1 FROM documents WHERE sha256 = $1) OR EXISTS (SELECT 1 FROM release_files WHERE sha256 = $1)",
      sha256);
  return r.row(0).boolean(0);
}

Result<std::int64_t> PgTx::insert_document(const IssuedDocument& d) {
  if (!release_exists(d.release)) {
    return make_error(Code::not_found, "store.not_found", "No existe la solicitud «" + d.release + "».",
                      "There is no request '" + d.release + "'.");
  }
  pg::Result r = db_.exec(
      "INSERT INTO documents(release, kind, step, name, sha256, size, verification_code, payload, manifest_sha256, "
      "lang, issued_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
      d.release, d.kind, d.step, d.name, d.sha256, d.size, d.verification_code, d.payload, d.manifest_sha256, d.lang,
      d.issued_at, d.issued_by);
  return r.row(0).integer(0);
}

}  // namespace pasaprod::postgres
