// Refused actions change nothing: the database dump (`sqlite3 db .dump`) and the library are
// the same before and after each refusal.
#include "cli_office.h"

namespace clitest {
namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// Runs a command that must be refused with `code`; checks the office is byte-for-byte the same.
// Returns the refusal (stderr holds the message).
Outcome refused_without_change(const Workspace& ws, int code, const Args& args, std::source_location loc = std::source_location::current()) {
  const std::string before = ws.dump();
  const auto blobs = ws.blob_files();
  Outcome o = ws.fails(code, args, loc);
  const std::string after = ws.dump();
  if (after != before) ADD_FAILURE_AT(loc.file_name(), loc.line()) << "the refused command changed the database\n" << o.describe();
  if (ws.blob_files() != blobs) ADD_FAILURE_AT(loc.file_name(), loc.line()) << "the refused command changed the library\n" << o.describe();
  if (!ws.library_tmp_files().empty()) ADD_FAILURE_AT(loc.file_name(), loc.line()) << "the refused command left a temporary\n" << o.describe();
  return o;
}

TEST(CliRefusal, RefusedActionsLeaveTheDatabaseUnchanged) {
  std::string n;
  Workspace ws;
  ws.copy_office_from(pending_approval_template(&n));
  ASSERT_FALSE(n.empty());

  // In pending_approval.
  refused_without_change(ws, 6, {"act", n, "approve", "--as", "chief"});        // not in pre_approved
  refused_without_change(ws, 4, {"act", n, "pre_approve", "--as", "chief"});    // wrong role
  refused_without_change(ws, 5, {"act", n, "reject", "--as", "asi"});           // a note is required
  refused_without_change(ws, 5, {"act", n, "return_to_qa", "--as", "op"});      // a note is required
  refused_without_change(ws, 4, {"record", n, "infra_readiness", "note=x", "--as", "qa"});
  Outcome upload = refused_without_change(
      ws, 5, {"deliverable", "add", n, "install_manual", ws.write_file("nuevo-manual.pdf", "una versión nueva\n"), "--as", "lead"});
  EXPECT_TRUE(contains(upload.err, "devuelva") || contains(upload.err, "Devuelva")) << upload.describe();

  ws.ok({"act", n, "pre_approve", "--as", "asi"});
  refused_without_change(ws, 4, {"act", n, "approve", "--as", "asi"});  // asi_head may not approve
  ws.ok({"act", n, "approve", "--as", "chiefop"});
  ASSERT_EQ(state_of(ws, n), "approved");

  // In approved: deploy without the baseline backup and the deployment record.
  Outcome no_backup = refused_without_change(ws, 5, {"act", n, "deploy", "--as", "op"});
  EXPECT_TRUE(contains(no_backup.err, "backup")) << no_backup.describe();
  refused_without_change(ws, 4, {"act", n, "deploy", "--as", "qa"});                           // wrong role
  refused_without_change(ws, 4, {"act", n, "cancel", "--note", "Ya no", "--as", "op"});         // approved: IT chief or production lead
  refused_without_change(ws, 4, {"record", n, "backup", "what=x", "where=y", "sha256=z", "--as", "qa"});

  ws.ok({"record", n, "backup", "what=Aplicativo", "where=/respaldos", "sha256=2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
         "--as", "dba"});
  // Segregation of duties over records: chiefop approved, so chiefop may not record the deployment.
  refused_without_change(ws, 4, {"record", n, "deployment", "steps=deployment_guide", "--as", "chiefop"});
  ws.ok({"record", n, "deployment", "steps=deployment_guide", "--as", "op"});
  ws.ok({"record", n, "db_deployment", "scripts=V3.sql", "result=ok", "--as", "dba"});
  // Segregation of duties: chiefop approved, so chiefop may not deploy, although a release operator.
  Outcome seg = ws.cli({"act", n, "deploy", "--as", "chiefop"});
  EXPECT_TRUE(seg.exit_code == 4 || seg.exit_code == 5) << seg.describe();
  refused_without_change(ws, seg.exit_code, {"act", n, "deploy", "--as", "chiefop"});

  // A freeze window over now: deploy refused for a maintenance.
  ws.ok({"freeze", "add", "2000-01-01T00:00:00Z", "2099-01-01T00:00:00Z", "--reason", "Congelamiento de fin de año", "--as", "chief"});
  Outcome frozen = refused_without_change(ws, 5, {"--lang", "en", "act", n, "deploy", "--as", "op"});
  EXPECT_TRUE(contains(frozen.err, "freeze")) << frozen.describe();

  EXPECT_EQ(state_of(ws, n), "approved");
  EXPECT_GT(audit_events(ws), 0);
  EXPECT_TRUE(ws.json({"library", "verify"}).value("ok", false));
}

}  // namespace
}  // namespace clitest
