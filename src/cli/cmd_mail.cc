// mail commands: the outbox's state, retrying or dropping a mail, sending what is due.
#include "cli/context.h"
#include "cli/mail_options.h"
#include "core/time.h"

namespace pasaprod {
namespace {

nlohmann::json mail_json(const OutboxMail& m) {
  return {{"id", m.id},          {"to", m.username},         {"address", m.address},   {"release", m.release},
          {"step", m.step},      {"raci", std::string(1, m.raci)}, {"state", m.state}, {"attempts", m.attempts},
          {"queued_at", format_iso(m.at)}, {"sent_at", m.sent_at ? format_iso(m.sent_at) : ""}, {"last_error", m.last_error}};
}

std::string mail_line(const OutboxMail& m) {
  return std::to_string(m.id) + "\t" + m.state + "\t" + m.address + "\t" + m.release + "\t" + m.step +
         (m.last_error.empty() ? "" : "\t" + m.last_error);
}

}  // namespace

void register_mail(CLI::App& app, CliContext& ctx) {
  auto* mail = app.add_subcommand("mail", "Bandeja de salida del correo / the mail outbox");
  mail->require_subcommand(1);

  auto* status = mail->add_subcommand("status", "Correos en cola, enviados y fallidos / queued, sent and failed mail");
  status->callback([&ctx] {
    const OutboxCounts c = ctx.take(ctx.office().mail_counts(local_caller()));
    auto failed = ctx.take(ctx.office().mails(local_caller(), "failed", 20, 0));
    nlohmann::json j = {{"queued", c.queued}, {"sent", c.sent}, {"failed", c.failed}, {"dropped", c.dropped}, {"held", c.held},
                        {"oldest_queued_at", c.oldest_queued_at ? format_iso(c.oldest_queued_at) : ""}, {"failed_mails", nlohmann::json::array()}};
    std::string text = ctx.t("En cola: ", "Queued: ") + std::to_string(c.queued) + ctx.t("  enviados: ", "  sent: ") + std::to_string(c.sent) +
                       ctx.t("  fallidos: ", "  failed: ") + std::to_string(c.failed) + ctx.t("  descartados: ", "  dropped: ") +
                       std::to_string(c.dropped) + ctx.t("  para el resumen diario: ", "  held for the daily digest: ") +
                       std::to_string(c.held) + "\n";
    if (c.oldest_queued_at) text += ctx.t("El más antiguo en cola: ", "Oldest queued: ") + format_iso(c.oldest_queued_at) + "\n";
    for (const auto& m : failed) {
      j["failed_mails"].push_back(mail_json(m));
      text += mail_line(m) + "\n";
    }
    ctx.print(j, text);
  });

  struct ListArgs {
    std::string state;
    int limit = 50;
    std::int64_t id = 0;
  };
  auto la = std::make_shared<ListArgs>();
  auto* list = mail->add_subcommand("list", "Lista los correos, del más nuevo / list mail, newest first");
  list->add_option("--state", la->state, "queued, sent, failed o/or dropped");
  list->add_option("--limit", la->limit, "Cuántos (50) / how many (50)")->check(CLI::Range(1, 500));
  list->callback([&ctx, la] {
    auto all = ctx.take(ctx.office().mails(local_caller(), la->state, la->limit, 0));
    nlohmann::json j = nlohmann::json::array();
    std::string text;
    for (const auto& m : all) {
      j.push_back(mail_json(m));
      text += mail_line(m) + "\n";
    }
    ctx.print(j, text);
  });

  auto* retry = mail->add_subcommand("retry", "Vuelve a poner en cola un correo fallido / queue a failed mail again");
  retry->add_option("ID", la->id, "Número del correo (mail list) / mail number")->required();
  retry->callback([&ctx, la] {
    OutboxMail m = ctx.take(ctx.office().retry_mail(local_caller(), la->id));
    ctx.print(mail_json(m), ctx.t("Correo en cola otra vez: ", "Mail queued again: ") + mail_line(m));
  });
  auto* drop = mail->add_subcommand("drop", "Descarta un correo en cola o fallido / drop a queued or failed mail");
  drop->add_option("ID", la->id, "Número del correo (mail list) / mail number")->required();
  drop->callback([&ctx, la] {
    OutboxMail m = ctx.take(ctx.office().drop_mail(local_caller(), la->id));
    ctx.print(mail_json(m), ctx.t("Correo descartado: ", "Mail dropped: ") + mail_line(m));
  });

  auto ma = std::make_shared<MailArgs>();
  auto* send = mail->add_subcommand("send", "Envía ahora lo que está en cola (sin servidor) / send what is due now (no server needed)");
  add_mail_options(send, *ma);
  send->callback([&ctx, ma] {
    auto setup = ctx.take(mail_setup(*ma));
    if (!setup) {
      throw CliFailure{make_error(Code::invalid_argument, "mail.config", "Indique el servidor de correo con --smtp-url.",
                                  "Give the mail server with --smtp-url.")};
    }
    mail::Sender sender(ctx.office(), mail::make_smtp_transport(setup->smtp), setup->sender);
    const mail::PassResult r = sender.pass();
    nlohmann::json j = {{"sent", r.sent}, {"failed", r.failed}, {"deferred", r.deferred}, {"server_down", r.server_down},
                        {"last_error", r.last_error}};
    ctx.print(j, ctx.t("Enviados: ", "Sent: ") + std::to_string(r.sent) + ctx.t("  fallidos: ", "  failed: ") + std::to_string(r.failed) +
                     ctx.t("  diferidos: ", "  deferred: ") + std::to_string(r.deferred) +
                     (r.server_down ? ctx.t("\nEl servidor de correo no responde: ", "\nThe mail server does not answer: ") + r.last_error : ""));
    if (r.server_down) throw CliFailure{make_error(Code::unavailable, "mail.server_down", "El servidor de correo no responde: " + r.last_error,
                                                   "The mail server does not answer: " + r.last_error)};
  });
}

}  // namespace pasaprod
