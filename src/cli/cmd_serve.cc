// serve, user passwd, token create.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <iostream>
#include <thread>

#include "api/api.h"
#include "auth/credentials.h"
#include "cli/context.h"
#include "cli/log_output.h"
#include "cli/serve_config.h"
#include "cli/mail_options.h"
#include "cli/serve_directory.h"
#include "cli/serve_metrics.h"
#include "core/time.h"
#include "http/server.h"
#include "service/access.h"
#include "service/demo.h"
#include "service/json_view.h"
#include "web/web.h"

namespace pasaprod {
namespace {

nlohmann::json audit_report_json(AnchoredStore& store, Lang lang) {
  auto report = store.verify_audit();
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : report.problems) problems.push_back({{"seq", p.seq}, {"id", p.id}, {"message", p.message(lang)}});
  return {{"ok", report.ok}, {"events_checked", report.events_checked}, {"last_seq", report.last_seq}, {"problems", problems},
          {"problems_total", report.problems_total}};
}

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  bool demo = false;
  int threads = 2;          // I/O threads
  int handler_threads = 4;  // threads running handlers (http::ServerConfig)
  std::uint64_t max_upload_mb = 4096;
  bool secure_cookies = false;
  bool fast_hashing = false;
  std::string web_dir;  // "" = the web interface compiled into the binary
  std::string anchor = "background";
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_address = 256;
  std::vector<std::string> trusted_proxies;
  int session_idle_minutes = 120;
  std::string config;          // --config FILE (serve_config.h)
  std::string log_format = "text";
  std::string log_file;        // "" = standard error
  std::string metrics_listen;  // "" = /metrics only on the main listener (administrators)
  MailArgs mail;
  DirectoryArgs directory;     // --ldap-* (serve_directory.h)
};

// Blocks SIGHUP in the calling thread (and every thread it starts afterwards) and, until
// destroyed, reopens `log` whenever SIGHUP arrives. So SIGHUP never ends the server.
class HangupReopener {
 public:
  explicit HangupReopener(std::shared_ptr<LogOutput> log) : log_(std::move(log)) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    thread_ = std::thread([this, set] {
      const timespec tick{0, 200'000'000};
      while (!stop_) {
        if (sigtimedwait(&set, nullptr, &tick) == SIGHUP) {
          log_->reopen();
          spdlog::info("SIGHUP: archivo de registro reabierto / log file reopened");
        }
      }
    });
  }
  ~HangupReopener() {
    stop_ = true;
    thread_.join();
  }
  HangupReopener(const HangupReopener&) = delete;
  HangupReopener& operator=(const HangupReopener&) = delete;

 private:
  std::shared_ptr<LogOutput> log_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void serve(CliContext& ctx, const ServeArgs& a) {
  auto listen = http::parse_listen(a.listen);
  if (!listen) throw CliFailure{listen.error()};
  std::optional<std::pair<std::string, std::uint16_t>> metrics_listen;
  if (!a.metrics_listen.empty()) metrics_listen = ctx.take(http::parse_listen(a.metrics_listen));
  auto log = ctx.take(LogOutput::open(a.log_format == "json" ? LogOutput::Format::json : LogOutput::Format::text, a.log_file));
  spdlog::set_default_logger(log->logger());
  HangupReopener hangup(log);  // before any thread starts, so that every thread blocks SIGHUP

  // Shared with the store's write observer: the store (kept by ctx) outlives this function.
  auto metrics_owner = std::make_shared<ServeMetrics>();
  ServeMetrics& metrics = *metrics_owner;
  ctx.write_observer = [metrics_owner, observe = metrics.write_observer()](std::chrono::nanoseconds wait, bool committed) {
    observe(wait, committed);
  };
  ctx.anchor_mode = a.anchor == "sync" ? AnchoredStore::AnchorMode::synchronous : AnchoredStore::AnchorMode::background;
  ctx.anchor.tsa_run = true;
  LocalOffice& lo = ctx.local();
  Office& office = lo.office();
  office.set_public_url(ctx.take(public_url(a.mail)));  // links in calendar events
  AccessOptions access_options;
  access_options.on_sign_in = metrics.sign_in_observer();
  access_options.interactive_hashing = !a.fast_hashing;
  access_options.session_idle_ms = static_cast<Timestamp>(a.session_idle_minutes) * 60 * 1000;
  ctx.check(configure_directory(a.directory, office.current_procedure(), access_options));
  Access access(office, access_options);

  if (a.demo) {
    auto users = ctx.take(office.users());
    if (users.empty()) {
      spdlog::info("Cargando la oficina de demostración / loading the demo office…");
      ctx.check(seed_demo_office(office, nullptr));
      for (const auto& u : demo_users()) ctx.check(access.set_password(Caller{"demo-setup", true}, u.username, kDemoPassword));
    }
    std::cout << ctx.t("Usuarios de demostración, todos con la contraseña «", "Demo users, all with the password \"") << kDemoPassword
              << ctx.t("»:\n", "\":\n");
    for (const auto& u : demo_users()) {
      std::string roles;
      for (const auto& g : u.grants) roles += (roles.empty() ? "" : ", ") + g.role + (g.system.empty() ? "" : "@" + g.system);
      std::cout << "  " << u.username << "  (" << roles << ")\n";
    }
  }

  http::RouteTable routes;
  api::ApiContext api{office, access, {a.max_upload_mb << 20, a.secure_cookies, "pasaprod_session"},
                      [&lo](Lang lang) { return audit_report_json(lo.store(), lang); }};
  api::add_api_routes(routes, api);
  web::add_web_routes(routes, api, {.dev_dir = a.web_dir, .mail_configured = !a.mail.smtp_url.empty()});
  api::add_metrics_route(routes, metrics.registry(), http::Auth::admin);

  http::ServerConfig config;
  config.host = listen->first;
  config.port = listen->second;
  config.threads = a.threads;
  config.handler_threads = a.handler_threads;
  config.max_upload_bytes = a.max_upload_mb << 20;
  config.max_connections = a.max_connections;
  config.max_connections_per_address = a.max_connections_per_address;
  config.trusted_proxies = a.trusted_proxies;
  config.stop_on_signals = true;
  config.request_logger = metrics.observe_requests(log->request_logger());
  config.logger = log->logger();
  http::HttpServer server(config, std::move(routes));
  metrics.watch(lo.store(), [&server] { return server.requests_in_flight(); });
  if (lo.tsa()) metrics.watch_timestamps(*lo.tsa());

  // The metrics-only listener: GET /metrics without sign-in, nothing else.
  std::unique_ptr<http::HttpServer> metrics_server;
  if (metrics_listen) {
    http::RouteTable metrics_routes;
    api::add_metrics_route(metrics_routes, metrics.registry(), http::Auth::none);
    http::ServerConfig mc;
    mc.host = metrics_listen->first;
    mc.port = metrics_listen->second;
    mc.threads = 1;
    mc.handler_threads = 1;
    mc.max_connections = 64;
    mc.max_connections_per_address = 64;
    mc.request_logger = log->request_logger();
    mc.logger = log->logger();
    metrics_server = std::make_unique<http::HttpServer>(mc, std::move(metrics_routes));
    ctx.check(metrics_server->start());
  }
  // The mail sender: its own thread; without SMTP, mail waits in the outbox.
  std::unique_ptr<mail::Sender> mail_sender;
  if (auto setup = ctx.take(mail_setup(a.mail))) {
    mail_sender = std::make_unique<mail::Sender>(office, mail::make_smtp_transport(setup->smtp), setup->sender);
    mail_sender->start();
    spdlog::info("correo: enviando por / mail: sending through {}", setup->smtp.url);
  } else {
    spdlog::info("correo: sin --smtp-url, los correos quedan en la bandeja de salida / mail: no --smtp-url, mail stays in the outbox");
  }
  ctx.check(server.start());
  std::cout << ctx.t("pasaprod escuchando en http://", "pasaprod listening on http://") << listen->first << ":" << server.port()
            << " (db " << lo.db_path() << ")" << std::endl;
  if (!a.directory.url.empty()) {
    std::cout << ctx.t("inicio de sesión con el directorio ", "directory sign-in with ") << a.directory.url << std::endl;
  }
  if (metrics_server) {
    std::cout << ctx.t("métricas en http://", "metrics on http://") << metrics_listen->first << ":" << metrics_server->port()
              << "/metrics" << std::endl;
  }
  server.wait();
  if (mail_sender) mail_sender->stop();
  if (metrics_server) metrics_server->stop();
  std::cout << ctx.t("pasaprod detenido.", "pasaprod stopped.") << std::endl;
}

std::string read_password_from_stdin() {
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

}  // namespace

void register_serve(CLI::App& app, CliContext& ctx) {
  auto a = std::make_shared<ServeArgs>();
  auto* serve_cmd = app.add_subcommand("serve", "Inicia el servidor HTTP / start the HTTP server");
  serve_cmd->add_option("--listen", a->listen, "HOST:PORT (por defecto / default 127.0.0.1:8080)");
  serve_cmd->add_flag("--demo", a->demo, "Llena una base vacía con una oficina de demostración / fill an empty database with a demo office");
  serve_cmd->add_option("--threads", a->threads, "Hilos de red (2): leen y escriben las conexiones / I/O threads (2): read and write the connections")
      ->check(CLI::Range(1, 64));
  serve_cmd->add_option("--handler-threads", a->handler_threads,
                        "Hilos que atienden las solicitudes (4): consultas, escrituras, PDF, hashes / threads that serve the "
                        "requests (4): reads, writes, PDFs, hashes")
      ->check(CLI::Range(1, 256));
  serve_cmd->add_option("--max-upload-mb", a->max_upload_mb, "Tamaño máximo de un archivo subido (MiB) / upload limit (MiB)");
  serve_cmd->add_flag("--secure-cookies", a->secure_cookies, "Cookies con Secure (detrás de TLS) / Secure cookies (behind TLS)");
  serve_cmd->add_flag("--fast-password-hashing", a->fast_hashing,
                      "Costo mínimo de argon2id (solo pruebas) / minimum argon2id cost (tests only)");
  serve_cmd->add_option("--anchor", a->anchor,
                         "Ancla de auditoría: background (tras cada cambio, en segundo plano; por defecto) o sync (antes de "
                         "responder) / audit anchor: background (right after each change; default) or sync (before answering)")
      ->check(CLI::IsMember({"background", "sync"}));
  serve_cmd->add_option("--max-connections", a->max_connections,
                        "Conexiones a la vez en total (10000); más allá se responde 503 / connections served at once (10000); "
                        "beyond, 503")
      ->check(CLI::Range(1, 1000000));
  serve_cmd->add_option("--max-connections-per-address", a->max_connections_per_address,
                        "Conexiones a la vez desde una dirección (256); más allá se responde 503 / connections at once from "
                        "one address (256); beyond, 503")
      ->check(CLI::Range(1, 1000000));
  serve_cmd->add_option("--trusted-proxy", a->trusted_proxies,
                        "Proxy inverso (dirección o CIDR; repetible) cuyo X-Forwarded-For nombra al cliente / reverse proxy "
                        "(address or CIDR; repeatable) whose X-Forwarded-For names the client");
  serve_cmd->add_option("--session-idle-minutes", a->session_idle_minutes,
                        "Una sesión sin uso durante estos minutos termina (120; 0 = sin límite; la vida máxima es 12 h) / a "
                        "session unused this many minutes ends (120; 0 = no limit; it lives 12 h at most)")
      ->check(CLI::Range(0, 720));
  serve_cmd->add_option("--web-dir", a->web_dir,
                        "Lee plantillas y recursos web de esta carpeta (desarrollo) / read web templates and assets from this folder (development)");
  serve_cmd->add_option("--config", a->config,
                        "Lee las opciones de serve de este archivo YAML; las de la línea de órdenes mandan / read serve's "
                        "options from this YAML file; command-line options win (README: «serve --config»)");
  serve_cmd->add_option("--log-format", a->log_format,
                        "Registro en texto (por defecto) o un objeto JSON por línea / log as text (default) or one JSON "
                        "object per line")
      ->check(CLI::IsMember({"text", "json"}));
  serve_cmd->add_option("--log-file", a->log_file,
                        "Escribe el registro en este archivo (SIGHUP lo reabre) en vez de la salida de errores / write the "
                        "log to this file (SIGHUP reopens it) instead of standard error");
  serve_cmd->add_option("--metrics-listen", a->metrics_listen,
                        "HOST:PORT donde servir solo /metrics sin inicio de sesión (Prometheus) / HOST:PORT serving only "
                        "/metrics without sign-in (Prometheus)");
  add_mail_options(serve_cmd, a->mail);
  add_directory_options(*serve_cmd, a->directory);
  serve_cmd->callback([&ctx, a, serve_cmd] {
    if (!a->config.empty()) ctx.check(apply_serve_config(*serve_cmd, a->config));
    serve(ctx, *a);
  });

  auto user = app.get_subcommand("user");
  auto username = std::make_shared<std::string>();
  auto* passwd = user->add_subcommand("passwd", "Fija la contraseña de un usuario, leída de la entrada estándar / set a password read from stdin");
  passwd->add_option("USERNAME", *username, "Usuario")->required();
  passwd->callback([&ctx, username] {
    Access access(ctx.office());
    ctx.check(access.set_password(local_caller(), *username, read_password_from_stdin()));
    ctx.print({{"username", *username}, {"password", "set"}}, ctx.t("Contraseña fijada para ", "Password set for ") + *username);
  });

  struct TokenArgs {
    std::string username, name;
    int days = kTokenDefaultDays;
  };
  auto t = std::make_shared<TokenArgs>();
  auto* token = app.add_subcommand("token", "Tokens de API / API tokens");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "Crea un token e imprímelo (solo esta vez) / create a token and print it (once)");
  create->add_option("USERNAME", t->username, "Usuario")->required();
  create->add_option("--name", t->name, "Nombre del token / token name");
  create->add_option("--days", t->days, "Días de vigencia, 1 a 365 (90) / days valid, 1 to 365 (90)");
  create->callback([&ctx, t] {
    Access access(ctx.office());
    NewToken nt = ctx.take(access.create_token(local_caller(), t->username, t->name, t->days));
    ctx.print({{"token", nt.token}, {"id", nt.record.id}, {"name", nt.record.name}, {"expires_at", format_iso(nt.record.expires_at)}},
              nt.token);
  });
}

}  // namespace pasaprod
