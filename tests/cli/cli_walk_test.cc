// A whole maintenance release driven only through CLI commands, from an empty database to
// `closed`; the system then reports the new production version.
#include "cli_office.h"

namespace clitest {
namespace {

TEST(CliWalk, MaintenanceReleaseFromEmptyDatabaseToClosed) {
  Workspace ws;
  setup_office(ws);
  EXPECT_EQ(ws.json({"system", "show", kSystem}).value("current_version", ""), "2.3");

  const std::string n = new_release(ws, "maintenance", "2.4", "lead");
  ASSERT_FALSE(n.empty());
  drive_to_pending_approval(ws, n);
  ASSERT_EQ(state_of(ws, n), "pending_approval");
  ws.ok({"act", n, "pre_approve", "--as", "asi"});
  ws.ok({"act", n, "approve", "--as", "chief"});
  ASSERT_EQ(state_of(ws, n), "approved");
  EXPECT_EQ(ws.json({"system", "show", kSystem}).value("current_version", ""), "2.3") << "not in production before deploy";
  drive_approved_to_closed(ws, n);

  nlohmann::json r = show(ws, n);
  EXPECT_EQ(r.value("state", ""), "closed") << r.dump(2);
  std::vector<std::string> actions;
  for (const auto& t : r["transitions"]) actions.push_back(t.value("action", ""));
  EXPECT_EQ(actions, (std::vector<std::string>{"request_qa", "qa_accept", "request_production", "validate", "prepare_report", "pre_approve",
                                               "approve", "deploy", "verify", "accept"}));
  for (const auto& slot : maintenance_slots()) EXPECT_EQ(files_in_slot(r, slot).size(), 1u) << slot;

  // The system reports the new version, in text and JSON.
  Outcome sys = ws.ok({"system", "show", kSystem});
  EXPECT_NE(sys.out.find("Versión en producción: 2.4"), std::string::npos) << sys.describe();
  EXPECT_NE(sys.out.find(n), std::string::npos) << "the system lists its releases\n" << sys.describe();
  EXPECT_EQ(ws.json({"system", "show", kSystem}).value("current_version", ""), "2.4");
  Outcome list = ws.ok({"system", "list"});
  EXPECT_EQ(list.out.rfind(std::string(kSystem) + "\t2.4\t", 0), 0u) << list.describe();

  // The version policy now counts from 2.4.
  Outcome next = ws.fails(5, {"--lang", "en", "release", "new", "--system", kSystem, "--kind", "maintenance", "--version", "2.4", "--title", "Otra",
                              "--as", "lead"});
  EXPECT_NE(next.err.find("2.5"), std::string::npos) << next.describe();
  EXPECT_FALSE(new_release(ws, "maintenance", "2.5", "lead").empty());
  // A kind the edition does not declare: refused by the office, listing the edition's kinds.
  Outcome kind = ws.fails(2, {"--lang", "en", "release", "new", "--system", kSystem, "--kind", "hotfix", "--version", "2.5", "--title",
                              "Otra", "--as", "lead"});
  EXPECT_NE(kind.err.find("Unknown release kind \"hotfix\": use one of edition 02: project, maintenance, emergency."),
            std::string::npos)
      << kind.describe();
  Outcome report = ws.fails(2, {"--lang", "en", "report", "adherence", "--from", "2026-01-01", "--to", "2026-12-31", "--kind", "hotfix"});
  EXPECT_NE(report.err.find("project, maintenance, emergency"), std::string::npos) << report.describe();

  nlohmann::json closed = ws.json({"release", "list", "--state", "closed"});
  ASSERT_EQ(closed["items"].size(), 1u) << closed.dump(2);
  EXPECT_EQ(closed["items"][0].value("number", ""), n);

  nlohmann::json audit = ws.json({"audit", "verify"});
  EXPECT_TRUE(audit.value("ok", false)) << audit.dump(2);
  EXPECT_GT(audit.value("events_checked", 0), 40);
  nlohmann::json lib = ws.json({"library", "verify"});
  EXPECT_TRUE(lib.value("ok", false)) << lib.dump(2);
  EXPECT_GE(lib.value("checked", 0), 9);
}

// A person's day on the command line: the inbox, answering a consultation, the request's
// history and its documents.
TEST(CliWalk, InboxConsultEventsAndDocuments) {
  Workspace ws;
  setup_office(ws);
  const std::string n = new_release(ws, "maintenance", "2.4", "lead");
  drive_to_pending_approval(ws, n);
  // ASI must pre-approve: it is in their inbox, with the action.
  const nlohmann::json asi = ws.json({"inbox", "--as", "asi"});
  bool todo = false;
  for (const auto& i : asi.at("todo")) todo = todo || (i.value("number", "") == n && i.value("action", "") == "pre_approve");
  EXPECT_TRUE(todo) << asi.dump(2);
  EXPECT_NE(ws.ok({"inbox", "--as", "asi"}).out.find("pre_approve"), std::string::npos);
  // The DBA and infrastructure were asked (C) when the informe was open; nothing is open for them now.
  ws.fails(5, {"consult", n, "--opinion", "agree", "--note", "Conforme", "--as", "dba"});
  // An opinion the consultation does not admit is refused with those it does.
  Outcome maybe = ws.fails(2, {"--lang", "en", "consult", n, "--opinion", "maybe", "--note", "?", "--as", "dba"});
  EXPECT_NE(maybe.err.find("Unknown opinion \"maybe\": use agree, concerns."), std::string::npos) << maybe.describe();
  ws.ok({"act", n, "pre_approve", "--as", "asi"});
  ws.ok({"act", n, "approve", "--as", "chief"});
  // Deployment consults the DBA and infrastructure: the DBA answers.
  const nlohmann::json opinion = ws.json({"consult", n, "--opinion", "concerns", "--note", "Ventana corta para los índices", "--as", "dba"});
  EXPECT_EQ(opinion.at("fields").value("on", ""), "deploy") << opinion.dump(2);
  // The request's history names every step.
  const nlohmann::json events = ws.json({"release", "events", n});
  std::string actions;
  for (const auto& e : events.at("items")) actions += e.value("action", "") + " ";
  EXPECT_NE(actions.find("release.open"), std::string::npos) << actions;
  EXPECT_NE(actions.find("release.record"), std::string::npos) << actions;
  // The final informe, written to a file, verifies.
  const nlohmann::json docs = ws.json({"document", "list", n});
  ASSERT_EQ(docs.at("items").size(), 3u) << docs.dump(2);
  const std::string out = ws.write_file("informe.pdf", "");
  ws.ok({"document", "get", n, docs.at("items")[2].value("name", ""), "--out", out});
  const nlohmann::json verified = ws.json({"document", "verify", out});
  EXPECT_TRUE(verified.value("ok", false)) << verified.dump(2);
  EXPECT_EQ(verified.value("step", ""), "approve");
}

}  // namespace
}  // namespace clitest
