// `serve --config FILE`, JSON logs with --log-file reopened on SIGHUP, and the systemd unit.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "api_harness.h"

namespace apitest {
namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::vector<json> json_lines(const fs::path& p) {
  std::vector<json> out;
  std::istringstream in(slurp(p));
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));  // throws on a non-JSON line
  return out;
}

bool has_request(const std::vector<json>& lines, const std::string& route) {
  for (const json& l : lines) {
    if (l.value("event", "") == "request" && l.value("route", "") == route) return true;
  }
  return false;
}

TEST(ServeConfig, FileSetsOptionsCommandLineWinsJsonLogReopenedOnSighup) {
  TempDir dir;
  const fs::path log = dir.path() / "serve.log", cfg = dir.path() / "pasaprod.yaml";
  // listen is unusable on purpose: the harness's --listen 127.0.0.1:0 must win over it.
  std::ofstream(cfg) << "# test\nlisten: 256.0.0.1:1\nlog-format: json\nlog-file: " << log.string()
                     << "\nsession-idle-minutes: 5\ntrusted-proxy: [10.0.0.0/8, 127.0.0.1]\n";
  run_cli_ok({"--db", (dir.path() / "p.db").string(), "init"});
  ServeOptions options;
  options.extra = {"--config", cfg.string()};
  ServerProcess server(dir.path() / "p.db", options);
  server.start();
  Api api(server.port());
  api.get("/healthz").expect(200);

  // A request is logged once its answer is sent: the client may see the answer first.
  for (int i = 0; i < 50 && !has_request(json_lines(log), "/healthz"); ++i) std::this_thread::sleep_for(20ms);
  auto first = json_lines(log);
  ASSERT_TRUE(has_request(first, "/healthz")) << slurp(log);
  for (const json& l : first) {
    EXPECT_TRUE(l.contains("time") && l.contains("level") && l.contains("msg")) << l.dump();
  }

  // logrotate's way: move the file, then SIGHUP; the server keeps serving and writes a new file.
  fs::rename(log, dir.path() / "serve.log.1");
  ASSERT_EQ(::kill(server.pid(), SIGHUP), 0);
  for (int i = 0; i < 50 && !fs::exists(log); ++i) std::this_thread::sleep_for(50ms);
  api.get("/api/openapi.json").expect(200);
  ASSERT_TRUE(fs::exists(log)) << server.output();
  for (int i = 0; i < 50 && !has_request(json_lines(log), "/api/openapi.json"); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(has_request(json_lines(log), "/api/openapi.json")) << slurp(log);
  EXPECT_FALSE(has_request(json_lines(dir.path() / "serve.log.1"), "/api/openapi.json"));
  EXPECT_EQ(server.stop(), 0) << server.output();
}

TEST(ServeConfig, UnknownKeyOrBadValueIsRefusedClearly) {
  TempDir dir;
  const std::string db = (dir.path() / "p.db").string();
  const fs::path unknown = dir.path() / "unknown.yaml", bad = dir.path() / "bad.yaml", list = dir.path() / "list.yaml";
  std::ofstream(unknown) << "listen: 127.0.0.1:0\nlisten-port: 8080\n";
  std::ofstream(bad) << "threads: 999\n";
  std::ofstream(list) << "- listen\n";

  CliResult r = run_cli({"--db", db, "serve", "--config", unknown.string()});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("«listen-port» no es una opción de serve"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("trusted-proxy"), std::string::npos) << "lists the valid keys: " << r.describe();

  r = run_cli({"--db", db, "--lang", "en", "serve", "--config", bad.string()});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("invalid value for \"threads\""), std::string::npos) << r.describe();

  r = run_cli({"--db", db, "--lang", "en", "serve", "--config", list.string()});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("mapping"), std::string::npos) << r.describe();

  r = run_cli({"--db", db, "serve", "--config", (dir.path() / "absent.yaml").string()});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_FALSE(fs::exists(db)) << "nothing opened before the configuration was accepted";
}

TEST(ServeConfig, ExampleConfigIsAccepted) {
  // The installed example: every key in it is a serve option (checked without serving: an
  // unusable metrics address fails after the file was accepted).
  TempDir dir;
  const std::string example = slurp(fs::path(PASAPROD_SOURCE_DIR) / "packaging" / "pasaprod.yaml");
  ASSERT_FALSE(example.empty());
  std::string text = std::regex_replace(example, std::regex("/var/lib/pasaprod/"), dir.path().string() + "/");
  text = std::regex_replace(text, std::regex("/var/log/pasaprod/"), dir.path().string() + "/");
  text = std::regex_replace(text, std::regex("metrics-listen: .*"), "metrics-listen: 256.0.0.1:1");
  std::ofstream(dir.path() / "c.yaml") << text;
  CliResult r = run_cli({"--lang", "en", "serve", "--config", (dir.path() / "c.yaml").string()});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_EQ(r.err.find("Configuration"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("256.0.0.1"), std::string::npos) << r.describe();
}

TEST(ServiceUnit, PassesSystemdAnalyzeVerify) {
  if (std::system("command -v systemd-analyze >/dev/null 2>&1") != 0) GTEST_SKIP() << "systemd-analyze not installed";
  TempDir dir;
  // The unit names the installed binary; point it at the one under test so the check of
  // ExecStart's executable holds before installation.
  std::string unit = slurp(fs::path(PASAPROD_SOURCE_DIR) / "packaging" / "pasaprod.service");
  ASSERT_NE(unit.find("ProtectSystem=strict"), std::string::npos);
  ASSERT_NE(unit.find("NoNewPrivileges=yes"), std::string::npos);
  ASSERT_NE(unit.find("StateDirectory=pasaprod"), std::string::npos);
  unit = std::regex_replace(unit, std::regex("/usr/local/bin/pasaprod"), pasaprod_bin());
  const fs::path path = dir.path() / "pasaprod.service";
  std::ofstream(path) << unit;
  const fs::path out = dir.path() / "verify.out";
  const std::string cmd = "systemd-analyze verify '" + path.string() + "' > '" + out.string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string said = slurp(out);
  EXPECT_EQ(rc, 0) << said;
  EXPECT_EQ(said.find("pasaprod.service:"), std::string::npos) << "no warning about the unit: " << said;
}

TEST(ServiceUnit, CmakeInstallPutsBinaryUnitAndConfigInPlace) {
  TempDir dir(/*on_disk=*/true);
  const fs::path prefix = dir.path() / "usr";
  const std::string cmd = std::string("'") + CMAKE_COMMAND + "' --install '" + PASAPROD_BINARY_DIR + "' --prefix '" +
                          prefix.string() + "' > '" + (dir.path() / "install.out").string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(dir.path() / "install.out");
  EXPECT_TRUE(fs::exists(prefix / "bin" / "pasaprod"));
  EXPECT_TRUE(fs::exists(prefix / "etc" / "pasaprod" / "pasaprod.yaml"));
  const std::string unit = slurp(prefix / "lib" / "systemd" / "system" / "pasaprod.service");
  EXPECT_NE(unit.find("ExecStart=" + (prefix / "bin" / "pasaprod").string() + " serve --config " +
                      (prefix / "etc" / "pasaprod" / "pasaprod.yaml").string()),
            std::string::npos)
      << unit;
  dir.remove_now();
}

}  // namespace
}  // namespace apitest
