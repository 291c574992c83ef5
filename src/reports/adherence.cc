// The controls of one release (adherence.h), evaluated from the facts of its history
// (adherence_facts.h).
#include "reports/adherence.h"

#include <algorithm>

#include "core/derived.h"
#include "reports/adherence_facts.h"

namespace pasaprod::reports {
namespace {

using Facts = AdherenceFacts;

ControlResult result(Outcome o, const char* es, const char* en, Timestamp due = 0, Timestamp done = 0) {
  return ControlResult{Control::qa_conformity, o, es, en, due, done};
}

const ControlResult kNotDeployed = result(Outcome::not_applicable, "Aún no se desplegó.", "Not deployed yet.");

// "done at or before due" → met; done after → met late; never → missed.
ControlResult by_deadline(Timestamp due, Timestamp done, const char* met_es, const char* met_en, const char* late_es,
                          const char* late_en, const char* miss_es, const char* miss_en) {
  if (done == 0) return result(Outcome::missed, miss_es, miss_en, due, 0);
  if (done <= due) return result(Outcome::met, met_es, met_en, due, done);
  return result(Outcome::met_late, late_es, late_en, due, done);
}

ControlResult deliverables(const Facts& f) {
  if (f.last_validate == 0) return result(Outcome::not_applicable, "Aún no se recepcionó.", "Not received yet.");
  if (f.unknown_kind) return result(Outcome::not_applicable, "Tipo de pase desconocido.", "Unknown release kind.");
  const Timestamp latest = f.deliverables_latest;
  if (f.deliverables == Outcome::met) {
    return result(Outcome::met, "Todos los entregables requeridos se aceptaron antes de la validación del {due}.",
                  "Every required deliverable was accepted before the validation of {due}.", f.last_validate, latest);
  }
  if (f.deliverables == Outcome::met_late) {
    return result(Outcome::met_late, "Algún entregable se aceptó después de la validación del {due} (el último el {done}).",
                  "Some deliverable was accepted after the validation of {due} (the last on {done}).", f.last_validate, latest);
  }
  return result(Outcome::missed, "Hay entregables requeridos sin aceptar en la validación del {due}.",
                "Some required deliverables were not accepted at the validation of {due}.", f.last_validate, 0);
}

ControlResult deploy_window(const Facts& f) {
  if (f.deploy == 0) return kNotDeployed;
  if (f.window != Facts::Window::ok) {
    return result(Outcome::missed, "Desplegado el {due} sin ventana planificada.", "Deployed on {due} without a planned window.",
                  f.deploy, 0);
  }
  if (f.deploy < f.window_from) {
    return result(Outcome::missed, "Desplegado el {due}, antes del inicio de la ventana ({done}).",
                  "Deployed on {due}, before the window opened ({done}).", f.deploy, f.window_from);
  }
  if (f.deploy > f.window_to) {
    return result(Outcome::met_late, "Desplegado el {due}, después del cierre de la ventana ({done}).",
                  "Deployed on {due}, after the window closed ({done}).", f.deploy, f.window_to);
  }
  return result(Outcome::met, "Desplegado el {due}, dentro de la ventana planificada.", "Deployed on {due}, within the planned window.",
                f.deploy, f.deploy);
}

ControlResult verification(const Facts& f) {
  if (f.deploy == 0) return kNotDeployed;
  if (f.left_deployed == 0) {
    if (f.verification != 0) {
      return result(Outcome::met, "Verificación registrada el {done}.", "Verification recorded on {done}.", 0, f.verification);
    }
    return result(Outcome::not_applicable, "Desplegado; verificación pendiente.", "Deployed; verification pending.", f.deploy, 0);
  }
  return by_deadline(f.left_deployed, f.verification, "Verificación registrada el {done}.", "Verification recorded on {done}.",
                     "Verificación registrada el {done}, después de salir de «desplegado» el {due}.",
                     "Verification recorded on {done}, after the release left \"deployed\" on {due}.",
                     "Salió de «desplegado» el {due} sin verificación registrada.",
                     "Left \"deployed\" on {due} without a recorded verification.");
}

// The closing controls: applicable once verified (and not rolled back); due at closing, or
// overdue `closing_due_days` after the verification.
struct Closing {
  bool applicable = false;
  bool overdue = false;
  const char* na_es = "";
  const char* na_en = "";
};

Closing closing(const Facts& f, const AdherenceOptions& o) {
  if (f.rollback != 0) return {false, false, "Se ejecutó la marcha atrás.", "The release was rolled back."};
  if (f.verify == 0) return {false, false, "Aún no se verificó.", "Not verified yet."};
  if (f.closed != 0) return {true, false, "", ""};
  const bool overdue = o.as_of != 0 && o.as_of - f.verify > o.closing_due_days * 86400000LL;
  if (overdue) return {true, true, "", ""};
  return {false, false, "Verificado el {due}; cierre pendiente dentro del plazo.", "Verified on {due}; closing pending within the term."};
}

ControlResult closing_record(const Facts& f, const Closing& c, Timestamp done, const char* met_es, const char* met_en,
                             const char* late_es, const char* late_en, const char* miss_es, const char* miss_en,
                             const char* overdue_es, const char* overdue_en) {
  if (!c.applicable) return result(Outcome::not_applicable, c.na_es, c.na_en, f.verify, 0);
  if (c.overdue) {
    if (done != 0) return result(Outcome::met, met_es, met_en, 0, done);
    return result(Outcome::missed, overdue_es, overdue_en, f.verify, 0);
  }
  return by_deadline(f.closed, done, met_es, met_en, late_es, late_en, miss_es, miss_en);
}

const ControlResult kNotOfKind =
    result(Outcome::not_applicable, "No aplica a este tipo de pase.", "Does not apply to this kind of release.");

// REQUIRES: the kind ends with the functional acceptance (kind_takes "accept").
ControlResult acceptance(const Facts& f, const Closing& c) {
  if (!c.applicable) return result(Outcome::not_applicable, c.na_es, c.na_en, f.verify, 0);
  if (f.accept == 0) {
    if (c.overdue) {
      return result(Outcome::missed, "Verificado el {due} y sin acta de conformidad pasado el plazo.",
                    "Verified on {due} and no acceptance record after the term.", f.verify, 0);
    }
    return result(Outcome::missed, "Cerrado el {due} sin acta de conformidad.", "Closed on {due} without an acceptance record.",
                  f.closed, 0);
  }
  if (f.cosign_qa == 0 || f.cosign_prod == 0) {
    return result(Outcome::missed, "Acta firmada el {done} sin las co-firmas de Calidad y de Producción.",
                  "Acceptance signed on {done} without the QA and production co-signatures.", f.accept, f.accept);
  }
  if (f.cosign_qa > f.accept || f.cosign_prod > f.accept) {
    return result(Outcome::met_late, "Acta firmada el {due}; alguna co-firma se registró después ({done}).",
                  "Acceptance signed on {due}; a co-signature was recorded afterwards ({done}).", f.accept,
                  std::max(f.cosign_qa, f.cosign_prod));
  }
  return result(Outcome::met, "Acta firmada el {done} con las co-firmas de Calidad y de Producción.",
                "Acceptance signed on {done} with the QA and production co-signatures.", f.accept, f.accept);
}

// `needs_plan`: the kind's deliverables include the back-out plan.
ControlResult rollback(bool needs_plan, const Facts& f) {
  if (f.rollback == 0) return result(Outcome::not_applicable, "No hubo marcha atrás.", "No rollback.");
  if (needs_plan && !f.backout_plan) {
    return result(Outcome::missed, "Marcha atrás el {due} sin plan de marcha atrás.", "Rolled back on {due} without a back-out plan.",
                  f.rollback, 0);
  }
  return by_deadline(f.rollback, f.rollback_record, "Marcha atrás el {due}, con plan y registro ({done}).",
                     "Rolled back on {due}, with plan and record ({done}).",
                     "El registro de la marcha atrás ({done}) es posterior a la marcha atrás del {due}.",
                     "The rollback record ({done}) is later than the rollback of {due}.",
                     "Marcha atrás el {due} sin registro de lo ejecutado.", "Rolled back on {due} without a record of what was done.");
}

}  // namespace

ReleaseAdherence evaluate_release(const Procedure& proc, const Release& r, const System* system, const AdherenceOptions& o) {
  return evaluate_adherence_facts(proc, r, gather_adherence_facts(proc, r), system, o);
}

ReleaseAdherence evaluate_adherence_facts(const Procedure& proc, const Release& r, const Facts& f, const System* system,
                                          const AdherenceOptions& o) {
  ReleaseAdherence a;
  a.number = r.number;
  a.system = r.system;
  a.unit = system ? system->unit : "";
  a.kind = r.kind;
  a.state = r.state;
  a.created_at = r.created_at;
  a.deployed_at = f.deploy;
  a.returns_to_qa = f.returns;
  a.emergency = is_emergency(proc, r.kind);
  a.rejected = f.reject_action || reached_by(proc, "reject", r.state);
  a.rolled_back = f.rollback != 0 || reached_by(proc, "rollback", r.state);
  if (f.deploy != 0) a.lead_time = f.deploy - (f.request_qa != 0 ? f.request_qa : r.created_at);
  if (f.approval != 0 && f.prepare_before_approval != 0) a.approval_latency = f.approval - f.prepare_before_approval;

  auto& c = a.controls;
  auto set = [&](Control k, ControlResult res) {
    res.control = k;
    c[static_cast<std::size_t>(k)] = res;
  };
  if (!kind_takes(proc, r.kind, "qa_accept")) {
    set(Control::qa_conformity, kNotOfKind);
  } else if (f.request_production == 0) {
    set(Control::qa_conformity, result(Outcome::not_applicable, "Aún no se solicitó el pase a producción.", "The production pass has not been requested yet."));
  } else {
    set(Control::qa_conformity,
        by_deadline(f.request_production, f.qa_accept, "Conformidad de Calidad el {done}, antes de la solicitud del {due}.",
                    "QA conformity on {done}, before the request of {due}.",
                    "Conformidad de Calidad el {done}, después de la solicitud del {due}.",
                    "QA conformity on {done}, after the request of {due}.",
                    "Se solicitó el pase el {due} sin conformidad de Calidad.", "Production pass requested on {due} without QA conformity."));
  }
  set(Control::deliverables_accepted, deliverables(f));
  if (f.last_prepare == 0) {
    set(Control::security_conformity, result(Outcome::not_applicable, "Aún no se elaboró el informe.", "The report has not been prepared yet."));
  } else {
    set(Control::security_conformity,
        by_deadline(f.last_prepare, f.security, "Conformidad de seguridad el {done}, antes del informe del {due}.",
                    "Security conformity on {done}, before the report of {due}.",
                    "Conformidad de seguridad el {done}, después del informe del {due}.",
                    "Security conformity on {done}, after the report of {due}.",
                    "Informe elaborado el {due} sin conformidad de seguridad.", "Report prepared on {due} without security conformity."));
  }
  if (f.deploy == 0) {
    set(Control::approval_before_deploy, kNotDeployed);
  } else {
    set(Control::approval_before_deploy,
        by_deadline(f.deploy, f.approval, "Aprobado el {done}, antes del despliegue del {due}.", "Approved on {done}, before the deployment of {due}.",
                    "Aprobado el {done}, después del despliegue del {due}.", "Approved on {done}, after the deployment of {due}.",
                    "Desplegado el {due} sin aprobación.", "Deployed on {due} without approval."));
  }
  if (!kind_guarded(proc, r.kind, "deploy", "backup_recorded")) {
    set(Control::backup_before_deploy, kNotOfKind);
  } else if (f.deploy == 0) {
    set(Control::backup_before_deploy, kNotDeployed);
  } else {
    set(Control::backup_before_deploy,
        by_deadline(f.deploy, f.backup, "Backup registrado el {done}, antes del despliegue del {due}.",
                    "Backup recorded on {done}, before the deployment of {due}.",
                    "Backup registrado el {done}, después del despliegue del {due}.",
                    "Backup recorded on {done}, after the deployment of {due}.",
                    "Desplegado el {due} sin backup de la línea base.", "Deployed on {due} without a baseline backup."));
  }
  set(Control::deploy_in_window, deploy_window(f));
  set(Control::verification_recorded, verification(f));
  const Closing cl = closing(f, o);
  set(Control::acceptance_record, kind_takes(proc, r.kind, "accept") ? acceptance(f, cl) : kNotOfKind);
  set(Control::baseline_before_close,
      closing_record(f, cl, f.baseline, "Línea base almacenada el {done}.", "Baseline stored on {done}.",
                     "Línea base almacenada el {done}, después del cierre del {due}.", "Baseline stored on {done}, after closing on {due}.",
                     "Cerrado el {due} sin línea base en la Librería.", "Closed on {due} without a baseline in the library.",
                     "Verificado el {due} y sin línea base pasado el plazo.", "Verified on {due} and no baseline after the term."));
  set(Control::rollback_backout_plan, rollback(kind_has_slot(proc, r.kind, "backout_plan"), f));
  if (!kind_records(proc, r.kind, "inventory")) {
    set(Control::inventory, kNotOfKind);
  } else {
    set(Control::inventory,
        closing_record(f, cl, f.inventory, "Registrado en el inventario el {done}.", "Registered in the inventory on {done}.",
                       "Registrado en el inventario el {done}, después del cierre del {due}.",
                       "Registered in the inventory on {done}, after closing on {due}.",
                       "Cerrado el {due} sin registro en el inventario.", "Closed on {due} without inventory registration.",
                       "Verificado el {due} y sin registro en el inventario pasado el plazo.",
                       "Verified on {due} and no inventory registration after the term."));
  }
  if (!kind_records(proc, r.kind, "ip_registration")) {
    set(Control::ip_registration, kNotOfKind);
  } else {
    set(Control::ip_registration,
        closing_record(f, cl, f.ip, "Solicitud a INDECOPI registrada el {done}.", "INDECOPI request recorded on {done}.",
                       "Solicitud a INDECOPI registrada el {done}, después del cierre del {due}.",
                       "INDECOPI request recorded on {done}, after closing on {due}.",
                       "Cerrado el {due} sin solicitud de registro a INDECOPI.", "Closed on {due} without an INDECOPI request.",
                       "Verificado el {due} y sin solicitud a INDECOPI pasado el plazo.",
                       "Verified on {due} and no INDECOPI request after the term."));
  }
  for (const ControlResult& res : c) {
    if (res.outcome == Outcome::missed || res.outcome == Outcome::met_late) a.fully_adherent = false;
  }
  return a;
}

}  // namespace pasaprod::reports
