// The constructed release history of the adherence tests; answers worked out by hand.
//
//   R1 PP-2026-0001 maintenance SIAGIE   Jan  fully adherent, closed
//   R2 PP-2026-0002 maintenance SIAGIE   Jan  deployed WITHOUT BACKUP; one return to QA
//   R3 PP-2026-0003 project     SIRE     Feb  APPROVED AFTER DEPLOYMENT; one qa_observe
//   R4 PP-2026-0004 maintenance SIRE     Feb  verified 20/02, NO ACCEPTANCE RECORD by 30/04
//   R5 PP-2026-0005 emergency   SIAGIE   Mar  ROLLED BACK (with plan and record): adherent
//   R6 PP-2026-0006 maintenance PERUEDU  Mar  rejected after the report: adherent
//   R0 PP-2025-0099 maintenance SIAGIE   Dec 2025: outside the period, left out
#include "adherence_history.h"

#include <cstdio>

#include "report_fixtures.h"

namespace pasaprod::reports::testing {

const std::string kUnitDebr = "Dirección de Educación Básica Regular";
const std::string kUnitOtic = "Oficina \"OTIC\", Lima";  // a comma and quotes, for the CSV

std::vector<System> adherence_systems() {
  System a, b, c;
  a.code = "SIAGIE";
  a.unit = kUnitDebr;
  b.code = "SIRE";
  b.unit = kUnitOtic;
  c.code = "PERUEDU";
  c.unit = kUnitDebr;
  return {a, b, c};
}

namespace {

// The common path of a project or maintenance up to approval. `d` is the day of the month
// (two digits) the request is created on, in `month` ("2026-01"); the steps follow on d..d+4.
Release through_report(const std::string& number, const std::string& system, const std::string& kind, const std::string& month,
                       int d) {
  auto day = [&](int offset, const char* time) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s-%02dT%s:00Z", month.c_str(), d + offset, time);
    return std::string(buf);
  };
  Release r = testing::release(number, system, kind, "1.0", day(0, "09:00"));
  testing::add_kind_files(r);
  act(r, "request_qa", "in_qa", "jquispe", day(0, "10:00"));
  act(r, "qa_accept", "qa_approved", "lcastro", day(2, "10:00"));
  act(r, "request_production", "submitted", "lcastro", day(2, "12:00"));
  testing::accept_all(r, "rtorres", day(3, "09:00"));
  record(r, "window", {{"from", day(5, "08:00")}, {"to", day(5, "20:00")}}, "fsalas", day(3, "10:00"));
  record(r, "security_conformity", {{"note", "ok"}}, "bleon", day(3, "11:00"));
  record(r, "infra_readiness", {{"note", "ok"}}, "dvega", day(3, "11:10"));
  record(r, "dba_conformity", {{"note", "ok"}}, "apaz", day(3, "11:20"));
  act(r, "validate", "validated", "rtorres", day(3, "12:00"));
  act(r, "prepare_report", "pending_approval", "rtorres", day(3, "14:00"));
  act(r, "pre_approve", "pre_approved", "mperez", day(4, "09:00"));
  return r;
}

void deploy_and_verify(Release& r, const std::string& date) {
  record(r, "deployment", {{"steps", "deployment_guide"}}, "rtorres", date + "T09:00:00Z");
  act(r, "deploy", "deployed", "rtorres", date + "T10:00:00Z");
  record(r, "verification", {{"result", "ok"}, {"evidence", "ok"}}, "rtorres", date + "T11:00:00Z");
  act(r, "verify", "verified", "rtorres", date + "T11:30:00Z");
}

void close_with_acceptance(Release& r, const std::string& date) {
  record(r, "baseline", {}, "rtorres", date + "T09:00:00Z");
  record(r, "cosign", {{"role", "qa_lead"}, {"note", "ok"}}, "lcastro", date + "T10:00:00Z");
  record(r, "cosign", {{"role", "production_lead"}, {"note", "ok"}}, "fsalas", date + "T10:30:00Z");
  act(r, "accept", "closed", "jquispe", date + "T11:00:00Z");
}

}  // namespace

std::vector<Release> adherence_history() {
  std::vector<Release> out;
  // R0: before the period.
  out.push_back(testing::release("PP-2025-0099", "SIAGIE", "maintenance", "2.9", "2025-12-20T09:00:00Z"));

  // R1: request_qa 05/01 10:00, report 08/01 14:00, approve 09/01 14:00 (24 h), deploy 10/01
  // 10:00 (lead 5 d).
  Release r1 = through_report("PP-2026-0001", "SIAGIE", "maintenance", "2026-01", 5);
  act(r1, "approve", "approved", "cgutierrez", "2026-01-09T14:00:00Z");
  record(r1, "backup", {{"what", "bd"}, {"where", "nas"}, {"sha256", std::string(64, 'a')}}, "apaz", "2026-01-10T08:30:00Z");
  deploy_and_verify(r1, "2026-01-10");
  close_with_acceptance(r1, "2026-01-11");
  out.push_back(r1);

  // R2: returned to QA after the production request and resubmitted; no backup. request_qa 12/01 10:00, report 15/01 14:00, approve 16/01 20:00 (30 h), deploy 17/01
  // 10:00 (lead 5 d).
  Release r2 = through_report("PP-2026-0002", "SIAGIE", "maintenance", "2026-01", 12);
  r2.transitions.insert(r2.transitions.begin() + 3,
                        Transition{"return_to_qa", "submitted", "returned", "rtorres", "falta manual", at("2026-01-14T13:00:00Z"), ""});
  r2.transitions.insert(r2.transitions.begin() + 4,
                        Transition{"resubmit", "returned", "submitted", "lcastro", "", at("2026-01-14T15:00:00Z"), ""});
  act(r2, "approve", "approved", "cgutierrez", "2026-01-16T20:00:00Z");
  deploy_and_verify(r2, "2026-01-17");
  close_with_acceptance(r2, "2026-01-18");
  out.push_back(r2);

  // R3: project; qa_observe and a second request_qa; deployed 06/02 10:00 then approved 06/02
  // 16:00 (latency from the report of 05/02 14:00: 26 h; lead from 02/02 10:00: 4 d).
  Release r3 = through_report("PP-2026-0003", "SIRE", "project", "2026-02", 2);
  r3.transitions.insert(r3.transitions.begin() + 1,
                        Transition{"qa_observe", "in_qa", "draft", "lcastro", "faltan pruebas", at("2026-02-03T09:00:00Z"), ""});
  r3.transitions.insert(r3.transitions.begin() + 2,
                        Transition{"request_qa", "draft", "in_qa", "jquispe", "", at("2026-02-03T15:00:00Z"), ""});
  // Its window was re-planned for 06/02 before deploying.
  record(r3, "window", {{"from", "2026-02-06T08:00:00Z"}, {"to", "2026-02-06T20:00:00Z"}}, "fsalas", "2026-02-06T07:00:00Z");
  record(r3, "deployment", {{"steps", "install_guide,initial_data_load,users_created"}}, "rtorres", "2026-02-06T09:00:00Z");
  act(r3, "deploy", "deployed", "rtorres", "2026-02-06T10:00:00Z");
  act(r3, "approve", "approved", "cgutierrez", "2026-02-06T16:00:00Z");
  record(r3, "verification", {{"result", "ok"}, {"evidence", "ok"}}, "rtorres", "2026-02-06T17:00:00Z");
  act(r3, "verify", "verified", "rtorres", "2026-02-06T17:30:00Z");
  record(r3, "inventory", {{"asset_id", "AS-1"}}, "rtorres", "2026-02-07T08:00:00Z");
  record(r3, "ip_registration", {{"filed_on", "2026-02-07"}, {"file_number", "N-1"}}, "fsalas", "2026-02-07T08:30:00Z");
  close_with_acceptance(r3, "2026-02-07");
  out.push_back(r3);

  // R4: report 13/02 14:00, approve 14/02 14:00 (24 h); the window is re-planned for 20/02 and
  // it is deployed then (lead 10 d) and verified, but never accepted.
  Release r4 = through_report("PP-2026-0004", "SIRE", "maintenance", "2026-02", 10);
  act(r4, "approve", "approved", "cgutierrez", "2026-02-14T14:00:00Z");
  record(r4, "window", {{"from", "2026-02-20T08:00:00Z"}, {"to", "2026-02-20T20:00:00Z"}}, "fsalas", "2026-02-19T10:00:00Z");
  record(r4, "backup", {{"what", "bd"}, {"where", "nas"}, {"sha256", std::string(64, 'a')}}, "apaz", "2026-02-20T08:30:00Z");
  deploy_and_verify(r4, "2026-02-20");
  record(r4, "baseline", {}, "rtorres", "2026-02-21T09:00:00Z");
  out.push_back(r4);

  // R5: emergency created 03/03 08:00, committee approval 11:00 (1 h after the report),
  // deployed 12:30 (lead 4.5 h), failed verification, rolled back with plan and record.
  Release r5 = testing::release("PP-2026-0005", "SIAGIE", "emergency", "3.2.1", "2026-03-03T08:00:00Z");
  testing::add_kind_files(r5);
  act(r5, "request_production", "submitted", "fsalas", "2026-03-03T08:30:00Z");
  testing::accept_all(r5, "rtorres", "2026-03-03T09:00:00Z");
  record(r5, "window", {{"from", "2026-03-03T12:00:00Z"}, {"to", "2026-03-03T23:00:00Z"}}, "fsalas", "2026-03-03T09:10:00Z");
  record(r5, "security_conformity", {{"note", "ok"}}, "bleon", "2026-03-03T09:20:00Z");
  act(r5, "validate", "validated", "rtorres", "2026-03-03T09:30:00Z");
  act(r5, "prepare_report", "pending_approval", "rtorres", "2026-03-03T10:00:00Z");
  record(r5, "vote", {{"decision", "approve"}}, "mperez", "2026-03-03T10:30:00Z");
  act(r5, "committee_approve", "approved", "mperez", "2026-03-03T11:00:00Z");
  record(r5, "backup", {{"what", "bd"}, {"where", "nas"}, {"sha256", std::string(64, 'a')}}, "apaz", "2026-03-03T12:10:00Z");
  record(r5, "deployment", {{"steps", "deployment_guide"}}, "rtorres", "2026-03-03T12:20:00Z");
  act(r5, "deploy", "deployed", "rtorres", "2026-03-03T12:30:00Z");
  record(r5, "verification", {{"result", "failed"}, {"evidence", "error 500"}}, "rtorres", "2026-03-03T13:00:00Z");
  record(r5, "rollback", {{"result", "ok"}, {"note", "Se restauró la 3.2"}}, "rtorres", "2026-03-03T13:30:00Z");
  act(r5, "rollback", "rolled_back", "rtorres", "2026-03-03T14:00:00Z");
  out.push_back(r5);

  // R6: rejected after the report.
  Release r6 = through_report("PP-2026-0006", "PERUEDU", "maintenance", "2026-03", 10);
  act(r6, "reject", "rejected", "cgutierrez", "2026-03-15T09:00:00Z", "No corresponde");
  out.push_back(r6);
  return out;
}

AdherenceOptions adherence_options() {
  AdherenceOptions o;
  o.from = at("2026-01-01T00:00:00Z");
  o.to = at("2026-04-01T00:00:00Z");
  o.as_of = at("2026-04-30T00:00:00Z");
  return o;
}

}  // namespace pasaprod::reports::testing
