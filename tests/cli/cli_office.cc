#include "cli_office.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>

namespace clitest {

const std::vector<std::string>& maintenance_slots() {
  static const std::vector<std::string> slots = {"install_manual", "user_manual", "system_manual", "source_code", "executables",
                                                 "installers",     "db_scripts",  "backout_plan"};
  return slots;
}

void setup_office(const Workspace& ws) {
  ws.ok({"init"});
  ws.ok({"system", "add", kSystem, "--name", "Sistema Integrado de Pruebas", "--unit", "Oficina de Tecnología", "--origin", "inhouse",
         "--version", "2.3"});
  struct U {
    const char *user, *name, *roles, *system;
  };
  const U users[] = {
      {"lead", "Pedro Líder", "project_lead", kSystem},
      {"qa", "Carla Calidad", "qa_lead", ""},
      {"op", "Óscar Operador", "release_operator", ""},
      {"dba", "Diego DBA", "dba", ""},
      {"sec", "Sofía Seguridad", "security_officer", ""},
      {"infra", "Inés Infraestructura", "infra_specialist", ""},
      {"prod", "Pablo Producción", "production_lead", ""},
      {"asi", "Rosa ASI", "asi_head", ""},
      {"chief", "Julia Jefa", "it_chief", ""},
      {"chief2", "Jorge Jefe Encargado", "it_chief", ""},
      {"chiefop", "Carlos Jefe y Operador", "it_chief,release_operator", ""},
      {"func", "Ana Funcional", "functional_user", kSystem},
  };
  for (const auto& u : users) {
    Args a = {"user", "add", u.user, "--name", u.name, "--role", u.roles};
    if (*u.system) {
      a.push_back("--system");
      a.push_back(u.system);
    }
    ws.ok(a);
  }
}

std::string new_release(const Workspace& ws, const std::string& kind, const std::string& version, const std::string& as) {
  Outcome o = ws.ok({"release", "new", "--system", kSystem, "--kind", kind, "--version", version, "--title", "Pase " + kind + " " + version,
                     "--as", as});
  if (o.exit_code != 0 || o.out.empty()) return "";
  return o.out.substr(0, o.out.find('\n'));
}

void drive_to_pending_approval(const Workspace& ws, const std::string& n) {
  for (const auto& slot : maintenance_slots()) {
    ws.ok({"deliverable", "add", n, slot, ws.write_file(n + "/" + slot + ".pdf", "Entregable " + slot + " de " + n + "\n"), "--as", "lead"});
  }
  ws.ok({"act", n, "request_qa", "--as", "lead"});
  ws.ok({"deliverable", "add", n, "qa_acceptance", ws.write_file(n + "/acta-calidad.pdf", "Acta de conformidad de Calidad " + n + "\n"), "--as", "qa"});
  ws.ok({"act", n, "qa_accept", "--as", "qa"});
  ws.ok({"act", n, "request_production", "--as", "qa"});
  for (const auto& slot : maintenance_slots()) ws.ok({"review", n, slot, "accepted", "--as", "op"});
  ws.ok({"review", n, "qa_acceptance", "accepted", "--note", "Conforme", "--as", "op"});
  ws.ok({"act", n, "validate", "--as", "op"});
  ws.ok({"record", n, "window", std::string("from=") + kWindowFrom, std::string("to=") + kWindowTo, "--as", "op"});
  ws.ok({"record", n, "infra_readiness", "note=Servidores listos", "--as", "infra"});
  ws.ok({"record", n, "security_conformity", "note=Cumple las normas", "--as", "sec"});
  ws.ok({"record", n, "dba_conformity", "note=Scripts revisados", "--as", "dba"});
  ws.ok({"act", n, "prepare_report", "--as", "op"});
}

void drive_approved_to_closed(const Workspace& ws, const std::string& n) {
  ws.ok({"record", n, "backup", "what=Aplicativo y base de datos", "where=/respaldos/" + n,
         "sha256=2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", "--as", "dba"});
  ws.ok({"record", n, "deployment", "steps=deployment_guide", "--as", "op"});
  ws.ok({"record", n, "db_deployment", "scripts=V3_3__reportes.sql", "result=ok", "--as", "dba"});
  ws.ok({"act", n, "deploy", "--as", "op"});
  ws.ok({"record", n, "verification", "result=ok", "evidence=Pruebas de humo conformes", "--as", "op"});
  ws.ok({"act", n, "verify", "--as", "op"});
  ws.ok({"record", n, "baseline", "--as", "op"});
  ws.ok({"record", n, "cosign", "note=Conforme", "--as", "qa"});
  ws.ok({"record", n, "cosign", "note=Conforme", "--as", "prod"});
  ws.ok({"act", n, "accept", "--as", "func"});
}

namespace {

std::uint64_t fnv1a(std::uint64_t h, const std::string& s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// What identifies a build of a file: path, size, modification time, inode.
std::string file_identity(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return p.string() + ":missing";
  return p.string() + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) +
         ":" + std::to_string(st.st_ino);
}

fs::path cache_root() { return fs::temp_directory_path() / ("pasaprod-cli-cache-" + std::to_string(::getuid())); }

std::string cache_key() {
  std::uint64_t h = 0xcbf29ce484222325ull;
  h = fnv1a(h, file_identity(pasaprod_bin()));
  h = fnv1a(h, file_identity(fs::read_symlink("/proc/self/exe")));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

class FileLock {
 public:
  explicit FileLock(const fs::path& p) : fd_(::open(p.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600)) {
    if (fd_ < 0) throw std::runtime_error("cannot open lock " + p.string());
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) throw std::runtime_error("cannot lock " + p.string());
    }
  }
  ~FileLock() { ::close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// Removes other keys' caches unused for a day.
void prune_stale_caches(const std::string& keep) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24);
  for (const auto& e : fs::directory_iterator(cache_root(), ec)) {
    if (!e.is_directory() || e.path().filename() == keep) continue;
    if (fs::last_write_time(e.path(), ec) < cutoff && !ec) fs::remove_all(e.path(), ec);
  }
}

// Failed assertions so far in the running test.
int failed_parts() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (!info) return 0;
  int n = 0;
  for (int i = 0; i < info->result()->total_part_count(); ++i) n += info->result()->GetTestPartResult(i).failed();
  return n;
}

// The folder of template `name`, built by `build` in a fresh workspace unless already cached.
fs::path cached_template(const std::string& name, const std::function<void(const Workspace&)>& build) {
  static std::map<std::string, fs::path> memo;
  static std::vector<std::unique_ptr<Workspace>> unpublished;  // failed builds, kept for this process
  if (auto it = memo.find(name); it != memo.end()) return it->second;
  const std::string key = cache_key();
  const fs::path keydir = cache_root() / key;
  fs::create_directories(keydir);
  fs::last_write_time(keydir, fs::file_time_type::clock::now());  // in use
  const fs::path dir = keydir / name;
  {
    FileLock lock(keydir / (name + ".lock"));
    if (!fs::exists(dir / "template-ready")) {
      auto ws = std::make_unique<Workspace>();
      const int failures_before = failed_parts();
      build(*ws);
      if (failed_parts() != failures_before) {
        ADD_FAILURE() << "building the template \"" << name << "\" failed (not cached)";
        memo[name] = ws->dir();
        unpublished.push_back(std::move(ws));
        return memo[name];
      }
      const fs::path tmp = keydir / (name + ".tmp." + std::to_string(::getpid()));
      fs::remove_all(tmp);
      fs::create_directories(tmp);
      for (const auto& e : fs::directory_iterator(ws->dir())) {
        if (e.path().filename() == "files") continue;
        fs::copy(e.path(), tmp / e.path().filename(), fs::copy_options::recursive | fs::copy_options::copy_symlinks);
      }
      std::ofstream(tmp / "template-ready") << "ok\n";
      fs::remove_all(dir);
      fs::rename(tmp, dir);
    }
  }
  prune_stale_caches(key);
  memo[name] = dir;
  return dir;
}

}  // namespace

fs::path office_template() { return cached_template("office", [](const Workspace& ws) { setup_office(ws); }); }

fs::path pending_approval_template(std::string* number) {
  const fs::path dir = cached_template("pending-approval", [](const Workspace& ws) {
    ws.copy_office_from(office_template());
    const std::string n = new_release(ws, "maintenance", "2.4", "lead");
    drive_to_pending_approval(ws, n);
    EXPECT_EQ(state_of(ws, n), "pending_approval");
    std::ofstream(ws.dir() / "template-number") << n;
  });
  std::ifstream in(dir / "template-number");
  std::getline(in, *number);
  return dir;
}

nlohmann::json show(const Workspace& ws, const std::string& number) { return ws.json({"release", "show", number}); }

std::string state_of(const Workspace& ws, const std::string& number) {
  auto j = show(ws, number);
  return j.is_object() ? j.value("state", "") : "";
}

std::vector<std::string> files_in_slot(const nlohmann::json& release, const std::string& slot) {
  std::vector<std::string> out;
  if (!release.is_object() || !release.contains("deliverables")) return out;
  for (const auto& d : release["deliverables"]) {
    if (d.value("slot", "") != slot) continue;
    for (const auto& f : d["files"]) out.push_back(f.value("name", ""));
  }
  return out;
}

int count_transitions(const nlohmann::json& release, const std::string& action) {
  int n = 0;
  if (!release.is_object() || !release.contains("transitions")) return -1;
  for (const auto& t : release["transitions"]) n += t.value("action", "") == action;
  return n;
}

long audit_events(const Workspace& ws) {
  auto j = ws.json({"audit", "verify"});
  if (!j.is_object()) return -1;
  EXPECT_TRUE(j.value("ok", false)) << j.dump(2);
  return j.value("events_checked", -1L);
}

}  // namespace clitest
