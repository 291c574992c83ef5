#include "reports/document_text.h"

#include <algorithm>
#include <cstdio>

#include "core/time.h"
#include "docs/verification_code.h"

namespace pasaprod::reports::text {
namespace {

std::string decimal(double value, int digits, Lang lang) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  std::string out = buf;
  if (lang == Lang::es) std::replace(out.begin(), out.end(), '.', ',');
  return out;
}

}  // namespace

std::string datetime(Timestamp t) {
  if (t == 0) return "—";
  const std::string iso = format_iso(t);  // 2026-11-28T10:54:26Z
  return iso.substr(8, 2) + "/" + iso.substr(5, 2) + "/" + iso.substr(0, 4) + " " + iso.substr(11, 5) + " UTC";
}

std::string datetime(Timestamp t, const DocumentContext& ctx) {
  if (t == 0) return "—";
  if (!ctx.zone) return datetime(t);
  return format_local(t, *ctx.zone, ctx.lang) + " (" + ctx.zone->name() + ")";
}

std::string datetime_of_iso(const std::string& iso, const DocumentContext& ctx) {
  if (iso.empty()) return "—";
  auto t = parse_iso(iso);
  return t ? datetime(*t, ctx) : iso;
}

std::string date(Timestamp t) {
  if (t == 0) return "—";
  const std::string iso = format_iso(t);
  return iso.substr(8, 2) + "/" + iso.substr(5, 2) + "/" + iso.substr(0, 4);
}

std::string datetime_of_iso(const std::string& iso) {
  if (iso.empty()) return "—";
  auto t = parse_iso(iso);
  return t ? datetime(*t) : iso;
}

std::string size(std::int64_t bytes, Lang lang) {
  if (bytes < 1000) return std::to_string(bytes) + " B";
  const char* units[] = {"kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes) / 1000.0;
  int u = 0;
  while (v >= 1000.0 && u < 3) {
    v /= 1000.0;
    ++u;
  }
  return decimal(v, 1, lang) + " " + units[u];
}

std::string days(double millis, Lang lang) { return decimal(millis / 86400000.0, 1, lang); }

std::string percent(double share, Lang lang) {
  return decimal(share * 100.0, 1, lang) + (lang == Lang::es ? " %" : "%");
}

std::string person(const DocumentContext& ctx, const std::string& username) {
  if (username.empty()) return "—";
  auto it = ctx.people.find(username);
  if (it == ctx.people.end() || it->second.empty()) return username;
  return it->second + " (" + username + ")";
}

std::string field(const Record& r, const std::string& key) {
  auto it = r.fields.find(key);
  return it == r.fields.end() ? std::string() : it->second;
}

std::string deployment_step_name(const std::string& code, Lang lang) {
  if (code == "install_guide") return tr(lang, "Guía de instalación y configuración", "Installation and configuration guide");
  if (code == "initial_data_load") return tr(lang, "Carga inicial de datos", "Initial data load");
  if (code == "users_created") {
    return tr(lang, "Creación de cuentas de administrador y usuarios", "Administrator and user accounts created");
  }
  if (code == "deployment_guide") return tr(lang, "Guía de referencia de despliegue", "Deployment reference guide");
  return code;
}

std::vector<const DeliverableFile*> files_in_order(const Procedure& proc, const Release& release) {
  const KindDef* kind = proc.kind(release.kind);
  auto rank = [&](const std::string& slot) -> std::size_t {
    if (!kind) return 0;
    auto it = std::find(kind->slots.begin(), kind->slots.end(), slot);
    return static_cast<std::size_t>(it - kind->slots.begin());
  };
  std::vector<const DeliverableFile*> out;
  for (const auto& f : release.files) out.push_back(&f);
  std::stable_sort(out.begin(), out.end(), [&](const DeliverableFile* a, const DeliverableFile* b) {
    const std::size_t ra = rank(a->slot), rb = rank(b->slot);
    if (ra != rb) return ra < rb;
    if (a->slot != b->slot) return a->slot < b->slot;
    return a->name < b->name;
  });
  return out;
}

docs::Table files_table(const Procedure& proc, const Release& release, const DocumentContext& ctx) {
  const Lang l = ctx.lang;
  docs::Table t{{{tr(l, "Entregable", "Deliverable"), 0.21},
                 {tr(l, "Archivo", "File"), 0.27},
                 {tr(l, "Tamaño", "Size"), 0.11},
                 {"SHA-256", 0.41, true}},
                {}};
  for (const DeliverableFile* f : files_in_order(proc, release)) {
    t.rows.push_back({proc.slot_name(f->slot, l), f->name, size(f->size, l), f->sha256});
  }
  if (t.rows.empty()) t.rows.push_back({tr(l, "(sin archivos)", "(no files)"), "", "", ""});
  return t;
}

void start_document(docs::PdfDocument& doc, const std::string& title, DocumentKind kind, const Release& release,
                    const System& system, const std::string& manifest, const DocumentContext& ctx) {
  const Lang l = ctx.lang;
  doc.institution = ctx.institution;
  doc.lang = l;
  doc.title = title;
  doc.subtitle = tr(l, "N° ", "No. ") + release.number + " — " + (system.name.empty() ? release.system : system.name) +
                 " " + release.version;
  doc.created_at = format_iso(ctx.issued_at);
  const std::string payload =
      document_payload(kind, release.number, ctx.step.empty() ? document_step(kind) : ctx.step, manifest, ctx.issued_at);
  doc.verification_code = docs::verification_code_for(ctx.verification_key, payload);
  doc.footer_note = tr(l, "Documento generado por pasaprod el ", "Document generated by pasaprod on ") +
                    datetime(ctx.issued_at, ctx) +
                    (ctx.issued_by.empty() ? std::string() : tr(l, " a pedido de ", " at the request of ") + person(ctx, ctx.issued_by)) +
                    ".";
}

void add_verification_note(docs::PdfDocument& doc, const DocumentContext& ctx) {
  const Lang l = ctx.lang;
  doc.blocks.emplace_back(docs::Spacer{8});
  doc.blocks.emplace_back(docs::Paragraph{
      tr(l, "Código de verificación: ", "Verification code: ") + doc.verification_code + ". " +
          tr(l,
             "Para comprobar que este documento fue emitido por pasaprod y no ha sido alterado, ejecute: "
             "pasaprod document verify ARCHIVO.pdf",
             "To check that this document was issued by pasaprod and has not been altered, run: "
             "pasaprod document verify FILE.pdf"),
      true});
}

}  // namespace pasaprod::reports::text
