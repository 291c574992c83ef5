// An office behind a running server, and a walker that takes release requests through the
// procedure over HTTP as the right people.
//
//   auto office = Office::fresh();                 // CLI bootstrap of an admin, then serve, then staff
//   Walker w(*office);
//   std::string n = w.open("ALFA", "maintenance")["number"];
//   w.advance(n, "pre_approved");                  // every step as the cast (lead, qa, op, asi, ...)
//   w.act(n, "approve", office->cast.at("it_chief"));
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api_harness.h"

namespace apitest {

// The password of every user the fresh office creates.
inline constexpr const char* kPassword = "clave-de-prueba-123";
// The password of the demo office (src/service/demo.h).
inline constexpr const char* kDemoPassword = "pasaprod-demo";

class Office {
 public:
  // A fresh office: `pasaprod user add admin` and `pasaprod token create admin` on a new
  // database, `serve` started, then systems ALFA (1.0 in production), MTX (1.0) and NUEVO (new)
  // and one helper per role (plus a second IT chief and three committee members) created through
  // the admin API, each signed in and holding a personal token.
  // `on_disk`: the office's folder on disk rather than in memory (see TempDir).
  static std::unique_ptr<Office> fresh(ServeOptions options = {}, bool on_disk = false);
  // The same on a database that is not a file (`db_url`, e.g. postgresql://…; the password,
  // if any, in the environment): each server keeps its anchor and keys in <dir>/node-N, the
  // library and the documents' key are shared in <dir>.
  static std::unique_ptr<Office> fresh_on(const std::string& db_url, ServeOptions options = {});
  // `serve --demo`: the demo users (signed in on first use with the demo password).
  static std::unique_ptr<Office> demo(ServeOptions options = {});
  ~Office();

  ServerProcess& server() { return *server_; }
  std::uint16_t port() const { return server_->port(); }
  fs::path dir() const { return dir_->path(); }
  fs::path db() const { return db_url_.empty() ? dir_->path() / "p.db" : fs::path(db_url_); }
  // The options before a command that open this office's files (the CLI's and node 1's).
  std::vector<std::string> global_args(int node = 1) const;
  fs::path blobs_dir() const { return dir_->path() / "library" / "blobs"; }
  fs::path library_tmp_dir() const { return dir_->path() / "library" / "tmp"; }

  // The client of a user (signed in on first use, then by token).
  Api& as(const std::string& username);
  Api& admin() { return as(admin_name_); }
  // Creates a user through POST /api/v1/users (roles: [{role, system?}]) with kPassword, and
  // returns their signed-in client.
  Api& add_user(const std::string& username, const json& roles);
  // SIGTERM; the server's exit status (0 = graceful).
  int stop();

  // Starts one more server on the same database, library and keys (its output in
  // <dir>/node-N.out/.err); `options` as for fresh(). On a database that is not a file the node
  // keeps its anchor in <dir>/node-N, enrolled first with `audit reanchor`.
  ServerProcess& add_node(ServeOptions options = {});
  std::vector<ServerProcess*> nodes();  // the first server, then those add_node started
  // From now on every client (those made already and those made later) sends its requests to
  // the running nodes in turn: two consecutive requests never reach the same server.
  void alternate_nodes();

  // Who does each step in walks: role code → username.
  std::map<std::string, std::string> cast;
  // Committee members who vote in walks (all of them).
  std::vector<std::string> committee;
  // Releases are opened on these systems by default.
  std::string system = "ALFA";

 private:
  Office() = default;
  // fresh(): the bootstrap by CLI, the first server, the systems and the staff.
  static std::unique_ptr<Office> setup(std::unique_ptr<Office> o, ServeOptions options);
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<ServerProcess> server_;
  std::vector<std::unique_ptr<ServerProcess>> more_nodes_;
  std::vector<std::uint16_t> rotate_;  // alternate_nodes(): the ports clients use in turn
  std::map<std::string, std::unique_ptr<Api>> clients_;
  std::string password_;
  std::string admin_name_ = "admin";
  std::string db_url_;  // "" = the SQLite file db()
};

// Walks releases through the procedure over HTTP, as the office's cast.
class Walker {
 public:
  explicit Walker(Office& office);

  // GET /api/v1/procedure (the slots, paths and deployment steps used to walk).
  const json& procedure() const { return procedure_; }
  std::vector<std::string> slots(const std::string& kind) const;  // uploadable slots
  std::vector<std::string> path(const std::string& kind) const;
  std::vector<std::string> deployment_steps(const std::string& kind) const;

  // Opens a release (as `opener`, default: the project lead, or the QA lead for emergencies)
  // with the version the server expects (learnt from its 422 answer to "0.0"), and uploads
  // every deliverable except qa_acceptance. The release JSON.
  json open(const std::string& system, const std::string& kind, const std::string& opener = "",
            const std::string& title = "");
  json get(const std::string& number);
  // POST .../actions/{action}.
  Response try_act(const std::string& number, const std::string& action, const std::string& as, const std::string& note = "");
  // Same, and throws unless 200; the release.
  json act(const std::string& number, const std::string& action, const std::string& as, const std::string& note = "walk");
  // POST .../records; throws unless 201; the record.
  json record(const std::string& number, const std::string& type, const json& fields, const std::string& as);
  // PUT .../deliverables/{slot}/{name}; throws unless 201; the file.
  json upload(const std::string& number, const std::string& slot, const std::string& name, const std::string& content,
              const std::string& as);
  // POST .../reviews; throws unless 200.
  json review(const std::string& number, const std::string& slot, const std::string& verdict, const std::string& as,
              const std::string& note = "");

  // Adds what the guards of `action` need (deliverables, reviews, records, votes), as the cast.
  void prepare(const std::string& number, const std::string& action);
  // Takes the release forward (as the cast) until it is in `target`; returns it. `returned`
  // is reached by a return to QA from submitted; from `returned`, in_qa/qa_approved by
  // reopen_qa, later states by resubmit.
  json advance(const std::string& number, const std::string& target);
  // The action that takes `rel` one step towards `target`.
  std::string next_action(const json& rel, const std::string& target) const;
  // The cast member who performs `action` on a release of `kind` in walks.
  std::string actor_for(const std::string& action, const std::string& kind) const;
  // True when advance() can take a release of `kind` from `from` to `to`.
  bool reachable(const std::string& kind, const std::string& from, const std::string& to) const;

  Office& office() { return office_; }

 private:
  Office& office_;
  json procedure_;
  int counter_ = 0;
};

// Releases parked in known states, handed out once each, so that tests needing a release in
// some state reuse what earlier steps produced instead of walking a new one from draft.
class Pool {
 public:
  Pool(Walker& walker, std::string system) : walker_(walker), system_(std::move(system)) {}
  // A release of `kind` in `state`: a parked one in that state, else the parked one furthest
  // along that can be walked there, else a new one. Removed from the pool.
  std::string take(const std::string& kind, const std::string& state);
  // Parks a release (ignored in a final state).
  void park(const json& release);
  int opened() const { return opened_; }

 private:
  struct Parked {
    std::string number, kind, state;
  };
  Walker& walker_;
  std::string system_;
  std::vector<Parked> parked_;
  int opened_ = 0;
};

}  // namespace apitest
