// Generated documents (SPEC §5) and library baselines (SPEC §6) through the real flow: a real
// `pasaprod serve`, releases walked over HTTP, PDFs read back with pdftotext (poppler-utils),
// archives opened with tar, and the `document verify` / `library verify-archive` commands.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "api_office.h"
#include "util/sha256.h"

namespace apitest {
namespace {

std::string shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string pdf_text(const fs::path& pdf) { return shell("pdftotext -layout '" + pdf.string() + "' - 2>/dev/null"); }

// The release's document of `kind`, or null.
json document_of(const json& rel, const std::string& kind) {
  for (const auto& d : rel.at("documents")) {
    if (d.at("kind") == kind) return d;
  }
  return nullptr;
}

class DocumentsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    office_ = Office::fresh().release();
    walker_ = new Walker(*office_);
  }
  static void TearDownTestSuite() {
    delete walker_;
    delete office_;
  }
  Api& admin() { return office_->admin(); }
  std::vector<std::string> cli(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--db", office_->db().string()};
    for (const std::string& a : office_->global_args()) all.push_back(a);
    all.insert(all.end(), args.begin(), args.end());
    return all;
  }
  // Downloads a document to a file in the office's folder; checks the digest headers.
  fs::path download(const json& doc) {
    Response r = admin().get(doc.at("url").get<std::string>()).expect(200);
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/pdf");
    EXPECT_EQ(pasaprod::sha256_hex(r.body), doc.at("sha256").get<std::string>());
    EXPECT_EQ(r.header("X-Verification-Code").value_or(""), doc.at("verification_code").get<std::string>());
    const fs::path p = office_->dir() / doc.at("name").get<std::string>();
    write_bytes(p, r.body);
    return p;
  }

  static Office* office_;
  static Walker* walker_;
};

Office* DocumentsTest::office_ = nullptr;
Walker* DocumentsTest::walker_ = nullptr;

TEST_F(DocumentsTest, ReportAndAcceptanceRecordAreIssuedAtTheirStepsAndVerify) {
  const std::string n = walker_->open("ALFA", "maintenance", "", "Corrección del cálculo de promoción")["number"];
  json rel = walker_->advance(n, "validated");
  EXPECT_TRUE(rel.at("documents").empty()) << "no document before prepare_report";
  rel = walker_->advance(n, "pending_approval");
  ASSERT_EQ(rel.at("documents").size(), 1u) << rel.at("documents").dump();
  const json report = document_of(rel, "release_report");
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(report.at("step"), "prepare_report");
  EXPECT_EQ(report.at("size").get<std::int64_t>() > 1000, true);
  EXPECT_EQ(report.at("verification_code").get<std::string>().size(), 9u);
  EXPECT_FALSE(report.at("issued_at").get<std::string>().empty());

  const fs::path pdf = download(report);
  const std::string text = pdf_text(pdf);
  const std::string version = rel.at("version");
  for (const std::string& want : {n, std::string("ALFA"), std::string("Sistema Alfa"), version, std::string("Informe de pase a producción"),
                                  std::string("Corrección del cálculo de promoción"), std::string("Usuario op"),
                                  std::string("Código de verificación"), report.at("verification_code").get<std::string>(),
                                  std::string("Ministerio de Educación"), std::string("Página 1 de")}) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing \"" << want << "\" in:\n" << text;
  }

  // The document is listed at its own endpoint and downloadable by name too.
  const json listed = admin().get("/api/v1/releases/" + n + "/documents").expect(200).json();
  ASSERT_EQ(listed.at("items").size(), 1u);
  EXPECT_EQ(admin().get("/api/v1/releases/" + n + "/documents/" + report.at("name").get<std::string>()).expect(200).body, read_bytes(pdf));
  admin().get("/api/v1/releases/" + n + "/documents/nada.pdf").expect(404);

  // document verify: names the release, step and kind.
  CliResult ok = run_cli(cli({"--json", "document", "verify", pdf.string()}));
  ASSERT_EQ(ok.exit_code, 0) << ok.describe();
  const json v = json::parse(ok.out);
  EXPECT_TRUE(v.at("ok").get<bool>());
  EXPECT_EQ(v.at("release"), n);
  EXPECT_EQ(v.at("step"), "prepare_report");
  EXPECT_EQ(v.at("kind"), "release_report");
  EXPECT_EQ(v.at("issued_at"), report.at("issued_at"));
  CliResult text_ok = run_cli(cli({"document", "verify", pdf.string()}));
  EXPECT_NE(text_ok.out.find(n), std::string::npos) << text_ok.describe();

  // One byte changed: refused with exit 7 (verification failed).
  std::string bytes = read_bytes(pdf);
  bytes[bytes.size() / 2] ^= 0x20;
  const fs::path tampered = office_->dir() / "alterado.pdf";
  write_bytes(tampered, bytes);
  CliResult bad = run_cli(cli({"--json", "document", "verify", tampered.string()}));
  EXPECT_EQ(bad.exit_code, 7) << bad.describe();
  EXPECT_FALSE(json::parse(bad.out).at("ok").get<bool>());
  // A foreign file too.
  const fs::path foreign = office_->dir() / "ajeno.pdf";
  write_bytes(foreign, "%PDF-1.5\n% no es de pasaprod\n");
  EXPECT_EQ(run_cli(cli({"document", "verify", foreign.string()})).exit_code, 7);

  // To closed: the acceptance record is issued at `accept`.
  rel = walker_->advance(n, "closed");
  // The informe again at each authorization (pre_approve, approve); the earlier issues are
  // marked as replaced by the last, which carries both authorizations with their manifests.
  ASSERT_EQ(rel.at("documents").size(), 4u) << rel.at("documents").dump();
  const json& docs = rel.at("documents");
  EXPECT_EQ(docs[1].at("step"), "pre_approve");
  EXPECT_EQ(docs[2].at("step"), "approve");
  EXPECT_EQ(docs[0].at("superseded_by"), docs[2].at("id"));
  EXPECT_EQ(docs[1].at("superseded_by"), docs[2].at("id"));
  EXPECT_TRUE(docs[2].at("superseded_by").is_null());
  const std::string final_text = pdf_text(download(docs[2]));
  for (const std::string& want : {std::string("Pre-aprobar (ASI)"), std::string("Aprobar pase a producción"),
                                  std::string("Manifiesto autorizado"), docs[2].at("manifest_sha256").get<std::string>().substr(0, 20)}) {
    EXPECT_NE(final_text.find(want), std::string::npos) << "missing \"" << want << "\" in:\n" << final_text;
  }
  EXPECT_EQ(final_text.find("Fecha: ______"), std::string::npos) << "both signature blocks are signed:\n" << final_text;
  const json acta = document_of(rel, "acceptance_record");
  ASSERT_FALSE(acta.is_null());
  EXPECT_EQ(acta.at("step"), "accept");
  const std::string acta_text = pdf_text(download(acta));
  for (const std::string& want : {n, version, std::string("Acta de conformidad"), std::string("Usuario func"), std::string("Usuario qa"),
                                  std::string("Usuario prod")}) {
    EXPECT_NE(acta_text.find(want), std::string::npos) << "missing \"" << want << "\" in:\n" << acta_text;
  }
  CliResult acta_ok = run_cli(cli({"--json", "document", "verify", (office_->dir() / acta.at("name").get<std::string>()).string()}));
  ASSERT_EQ(acta_ok.exit_code, 0) << acta_ok.describe();
  EXPECT_EQ(json::parse(acta_ok.out).at("step"), "accept");
}

TEST_F(DocumentsTest, CommitteeRecordIsIssuedAtCommitteeApproval) {
  const std::string n = walker_->open("ALFA", "emergency")["number"];
  json rel = walker_->advance(n, "approved");
  // The emergency informe carries the acta's reference and digest, not ASI / IT chief lines.
  const json informe = document_of(rel, "release_report");
  ASSERT_FALSE(informe.is_null()) << rel.at("documents").dump();
  const std::string informe_text = pdf_text(download(informe));
  EXPECT_NE(informe_text.find("acta-comite-emergencia-"), std::string::npos) << informe_text;
  EXPECT_NE(informe_text.find("(America/Lima)"), std::string::npos) << "times in the office's zone, named:\n" << informe_text;
  EXPECT_EQ(informe_text.find("Jefe de la Oficina de Informática Fecha"), std::string::npos) << informe_text;
  EXPECT_NE(informe_text.find("Check list del cumplimiento de la documentación"), std::string::npos) << informe_text;
  const json acta = document_of(rel, "committee_record");
  ASSERT_FALSE(acta.is_null()) << rel.at("documents").dump();
  EXPECT_EQ(acta.at("step"), "committee_approve");
  const std::string text = pdf_text(download(acta));
  for (const std::string& want : {n, std::string("comité"), std::string("Usuario com1")}) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing \"" << want << "\" in:\n" << text;
  }
}

TEST_F(DocumentsTest, BaselineArchiveExtractsWithTarAndVerifies) {
  const std::string n = walker_->open("MTX", "maintenance")["number"];
  const json rel = walker_->advance(n, "closed");
  const std::string version = rel.at("version");

  const json list = admin().get("/api/v1/systems/MTX/baselines").expect(200).json();
  ASSERT_FALSE(list.at("items").empty());
  EXPECT_EQ(list.at("items")[0].at("version"), version);
  EXPECT_EQ(list.at("items")[0].at("release"), n);
  const json b = admin().get("/api/v1/systems/MTX/baselines/" + version).expect(200).json();
  EXPECT_EQ(b.at("manifest_sha256"), rel.at("manifest_sha256"));
  std::map<std::string, std::string> expected;  // path → sha256
  for (const auto& f : b.at("files")) expected[f.at("path")] = f.at("sha256");
  EXPECT_TRUE(expected.count("documents/acta-conformidad-" + n + ".pdf")) << b.dump();
  EXPECT_TRUE(expected.count("documents/informe-pase-produccion-" + n + ".pdf")) << b.dump();
  admin().get("/api/v1/systems/MTX/baselines/99.99").expect(404);

  Response r = admin().get("/api/v1/systems/MTX/baselines/" + version + "/archive").expect(200);
  EXPECT_EQ(r.header("Content-Type").value_or(""), "application/x-tar");
  EXPECT_EQ(r.header("Content-Length").value_or(""), std::to_string(r.body.size()));
  const fs::path tar = office_->dir() / "base.tar";
  write_bytes(tar, r.body);

  // Extracts with tar; every file's digest matches the MANIFEST and the API; sha256sum agrees.
  const fs::path out = office_->dir() / "extraido";
  fs::create_directories(out);
  ASSERT_EQ(std::system(("tar -xf '" + tar.string() + "' -C '" + out.string() + "'").c_str()), 0);
  const fs::path root = out / ("MTX-" + version);
  const std::string manifest = read_bytes(root / "MANIFEST");
  EXPECT_NE(manifest.find("release: " + n), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("version: " + version), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("approval_manifest_sha256: " + rel.at("manifest_sha256").get<std::string>()), std::string::npos) << manifest;
  for (const auto& [path, sha] : expected) {
    ASSERT_TRUE(fs::exists(root / path)) << path;
    EXPECT_EQ(pasaprod::sha256_hex(read_bytes(root / path)), sha) << path;
    EXPECT_NE(manifest.find(sha + " "), std::string::npos) << path;
  }
  EXPECT_EQ(std::system(("cd '" + root.string() + "' && sha256sum --quiet -c SHA256SUMS >/dev/null").c_str()), 0);

  // verify-archive: intact; the CLI writes the same archive byte for byte.
  CliResult ok = run_cli(cli({"--json", "library", "verify-archive", tar.string()}));
  ASSERT_EQ(ok.exit_code, 0) << ok.describe();
  EXPECT_EQ(json::parse(ok.out).at("files_checked").get<int>(), static_cast<int>(expected.size()));
  const fs::path local = office_->dir() / "local.tar";
  CliResult wrote = run_cli(cli({"library", "baseline", "MTX", version, "--out", local.string()}));
  ASSERT_EQ(wrote.exit_code, 0) << wrote.describe();
  EXPECT_EQ(read_bytes(local), r.body);

  // One byte of a member changed: exit 7, naming the altered file.
  const std::string victim = "deliverables/";
  std::string bytes = r.body;
  const auto at = bytes.find("MTX-" + version + "/" + victim);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 512] ^= 0x01;  // first data byte of that member (its header starts with the name)
  const fs::path tampered = office_->dir() / "alterado.tar";
  write_bytes(tampered, bytes);
  CliResult bad = run_cli(cli({"--json", "library", "verify-archive", tampered.string()}));
  EXPECT_EQ(bad.exit_code, 7) << bad.describe();
  const json problems = json::parse(bad.out).at("problems");
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].at("id"), "archive.digest_mismatch") << problems.dump();

  // The MANIFEST rewritten to match a changed file still fails against the database.
  std::string forged = r.body;
  const auto m = forged.find("approval_manifest_sha256: ");
  ASSERT_NE(m, std::string::npos);
  forged[m + 26] = forged[m + 26] == 'a' ? 'b' : 'a';
  const fs::path forged_tar = office_->dir() / "falso.tar";
  write_bytes(forged_tar, forged);
  CliResult forged_r = run_cli(cli({"--json", "library", "verify-archive", forged_tar.string()}));
  EXPECT_EQ(forged_r.exit_code, 7) << forged_r.describe();
}

TEST(DocumentSettingsTest, InstitutionAndEnglishFooterAreConfigurable) {
  auto office = Office::fresh();
  Walker walker(*office);
  Api& admin = office->admin();
  admin.send("PUT", "/api/v1/settings/documents", json{{"institution", "Gobierno Regional del Cusco — Oficina de Informática"}, {"lang", "en"}}.dump())
      .expect(204);
  const json s = admin.get("/api/v1/settings/documents").expect(200).json();
  EXPECT_EQ(s.at("lang"), "en");
  admin.send("PUT", "/api/v1/settings/documents", json{{"lang", "fr"}}.dump()).expect(400);
  const std::string n = walker.open("ALFA", "maintenance")["number"];
  const json rel = walker.advance(n, "pending_approval");
  const json report = document_of(rel, "release_report");
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(report.at("lang"), "en");
  Response r = admin.get(report.at("url").get<std::string>()).expect(200);
  const fs::path pdf = office->dir() / "report.pdf";
  write_bytes(pdf, r.body);
  const std::string text = pdf_text(pdf);
  EXPECT_NE(text.find("Gobierno Regional del Cusco"), std::string::npos) << text;
  EXPECT_NE(text.find("Page 1 of"), std::string::npos) << text;
  EXPECT_NE(text.find("Verification code"), std::string::npos) << text;
  EXPECT_EQ(text.find("Página"), std::string::npos) << "no Spanish footer in an English document:\n" << text;
  EXPECT_EQ(text.find("Código de verificación"), std::string::npos) << text;
}

}  // namespace
}  // namespace apitest
