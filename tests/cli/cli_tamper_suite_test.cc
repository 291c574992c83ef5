// The tamper suite of issue 10: every row of the security probe's table, done to a copy of an
// office with a request pending approval, with what `audit verify` and `library verify` must
// say and what a writing command does afterwards. A tampering that can be detected must stay
// detected after the write: normal use never erases the evidence.
#include <fstream>
#include <functional>

#include "cli_office.h"
#include "tests/fixtures/chain_rewrite.h"

namespace clitest {
namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

using pasaprod::testing_tamper::kDropTriggers;
using pasaprod::testing_tamper::kTriggers;
using pasaprod::testing_tamper::rewrite_chain_from;

void flip_byte(const fs::path& file, std::streamoff at) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f);
  f.seekg(at);
  char c = 0;
  f.get(c);
  f.seekp(at);
  f.put(static_cast<char>(c ^ 0x01));
}

struct Row {
  std::string name;
  std::function<void(const Workspace&, const std::string& number)> tamper;
  int audit_exit;           // `audit verify` right after
  std::string audit_says;   // in its English JSON report: a problem id
  int library_exit;         // `library verify`
  int write_exit;           // `system add` afterwards (0: accepted)
  std::string write_says;   // in the refusal (English)
};

const std::vector<Row>& rows() {
  static const std::vector<Row> r = {
      {"TriggerDropped", [](const Workspace& ws, const std::string&) { ws.sql(kDropTriggers); },
       7, "audit.trigger_missing", 0, 0, ""},
      {"EventEdited",
       [](const Workspace& ws, const std::string&) {
         ws.sql(std::string(kDropTriggers) + "UPDATE audit_events SET actor = 'mallory' WHERE seq = 5;" + kTriggers);
       },
       7, "audit.altered", 0, 0, ""},
      {"TailCut",
       [](const Workspace& ws, const std::string&) {
         ws.sql(std::string(kDropTriggers) + "DELETE FROM audit_events WHERE seq > (SELECT max(seq) - 3 FROM audit_events);" + kTriggers);
       },
       7, "audit.cut_tail", 0, 7, "behind the audit anchor"},
      {"ChainRecomputed", [](const Workspace& ws, const std::string&) { rewrite_chain_from(ws.db(), 5); },
       7, "audit.anchor_mismatch", 0, 7, "is not the one the audit anchor records"},
      {"OlderCopyPutBack",
       [](const Workspace& ws, const std::string&) {
         fs::copy_file(ws.db(), ws.dir() / "old.db");
         ws.ok({"system", "add", "NEWER", "--name", "Sistema"});
         fs::copy_file(ws.dir() / "old.db", ws.db(), fs::copy_options::overwrite_existing);
       },
       7, "audit.cut_tail", 0, 7, "behind the audit anchor"},
      {"StateEdited",
       [](const Workspace& ws, const std::string& number) {
         ws.sql("UPDATE releases SET state = 'approved' WHERE number = '" + number + "';");
       },
       7, "audit.replay_state", 0, 0, ""},
      {"FileRowRepointed",
       [](const Workspace& ws, const std::string&) {
         // A file whose content appears once, pointed at another file's blob.
         ws.sql("UPDATE release_files SET sha256 = (SELECT sha256 FROM release_files ORDER BY id DESC LIMIT 1) "
                "WHERE id = (SELECT min(id) FROM release_files WHERE sha256 IN "
                "(SELECT sha256 FROM release_files GROUP BY sha256 HAVING count(*) = 1) "
                "AND sha256 NOT IN (SELECT sha256 FROM documents) "
                "AND id <> (SELECT max(id) FROM release_files));");
       },
       7, "audit.replay_file", 7, 0, ""},
      {"SignerOfAStepEdited",
       [](const Workspace& ws, const std::string& number) {
         ws.sql("UPDATE transitions SET by_user = 'mallory' WHERE release = '" + number + "' AND seq = 1;");
       },
       7, "audit.replay_transitions", 0, 0, ""},
      {"RecordEdited",
       [](const Workspace& ws, const std::string&) {
         ws.sql("UPDATE records SET fields_json = '{\"note\":\"editado\"}' WHERE id = (SELECT max(id) FROM records);");
       },
       7, "audit.replay_records", 0, 0, ""},
      {"ReviewEdited",
       [](const Workspace& ws, const std::string& number) {
         ws.sql("UPDATE reviews SET note = 'editado' WHERE release = '" + number + "' AND seq = 1;");
       },
       7, "audit.replay_reviews", 0, 0, ""},
      {"RowVersionEdited",
       [](const Workspace& ws, const std::string& number) {
         ws.sql("UPDATE releases SET row_version = row_version + 3 WHERE number = '" + number + "';");
       },
       7, "audit.replay_row_version", 0, 0, ""},
      {"AnchorDeleted", [](const Workspace& ws, const std::string&) { fs::remove(ws.db().string() + ".anchor"); },
       7, "audit.no_anchor", 0, 7, "no audit anchor"},
      {"AnchorBytesFlipped", [](const Workspace& ws, const std::string&) { flip_byte(ws.db().string() + ".anchor", 3); },
       7, "audit.anchor_invalid", 0, 1, "anchor"},
      {"AnchorKeyDeleted", [](const Workspace& ws, const std::string&) { fs::remove(ws.db().string() + ".anchor.key"); },
       7, "audit.anchor_invalid", 0, 1, "anchor key is missing"},
  };
  return r;
}

class TamperSuite : public ::testing::TestWithParam<Row> {};

bool has_problem(const nlohmann::json& report, const std::string& id) {
  for (const auto& p : report.value("problems", nlohmann::json::array())) {
    if (p.value("id", "") == id) return true;
  }
  return false;
}

TEST_P(TamperSuite, DetectedAndStillDetectedAfterAWrite) {
  const Row& row = GetParam();
  Workspace ws;
  std::string number;
  ws.copy_office_from(pending_approval_template(&number));
  ws.ok({"audit", "verify"});
  row.tamper(ws, number);

  std::vector<nlohmann::json> audit = ws.json_documents({"--lang", "en", "audit", "verify"}, row.audit_exit);
  ASSERT_FALSE(audit.empty());
  EXPECT_TRUE(has_problem(audit[0], row.audit_says)) << audit[0].dump(2);
  Outcome lib = ws.cli({"--lang", "en", "library", "verify"});
  EXPECT_EQ(lib.exit_code, row.library_exit) << lib.describe();

  const std::string before = ws.dump();
  Outcome w = ws.cli({"--lang", "en", "system", "add", "AFTERTAMPER", "--name", "Sistema"});
  EXPECT_EQ(w.exit_code, row.write_exit) << w.describe();
  if (row.write_exit != 0) {
    EXPECT_TRUE(contains(w.err, row.write_says)) << w.describe();
    EXPECT_EQ(ws.dump(), before) << "a refused write changed the database";
  }
  // Whatever the write did, the evidence is still there.
  Outcome again = ws.cli({"--lang", "en", "audit", "verify"});
  EXPECT_EQ(again.exit_code, 7) << "the tampering is no longer reported after a write\n" << again.describe();
}

INSTANTIATE_TEST_SUITE_P(Probe, TamperSuite, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.name; });

}  // namespace
}  // namespace clitest
