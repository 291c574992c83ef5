#include "sample_document.h"

#include <string>

#include "util/sha256.h"

namespace pasaprod::docs::testing {

PdfDocument sample_report(int deliverables) {
  PdfDocument d;
  d.institution = "Ministerio de Educación — Oficina de Informática";
  d.title = "Informe de pase a producción";
  d.subtitle = "N° 012-2025-OFIN-ASI — Sistema SIAGIE, versión 3.2.0";
  d.verification_code = kSampleCode;
  d.footer_note =
      "Documento generado por pasaprod. Verifique su autenticidad con el código de verificación "
      "en la Librería de Programas Fuentes y documentación de la Oficina de Informática.";
  d.created_at = "2025-03-14T10:22:00-05:00";

  d.blocks.push_back(Heading{"1. Datos de la solicitud"});
  d.blocks.push_back(KeyValueTable{{
      {"Sistema", "SIAGIE — Sistema de Información de Apoyo a la Gestión de la Institución Educativa"},
      {"Versión", "3.2.0 (anterior en producción: 3.1.4)"},
      {"Tipo", "Mantenimiento evolutivo"},
      {"Unidad solicitante", "Dirección de Educación Básica Regular — Área de Informática"},
      {"Jefe de proyecto", "Ing. José Ñandú Quispe"},
      {"Ventana planificada", "sábado 15/03/2025, de 22:00 a 02:00 (hora de Lima)"},
      {"¿Aprobó?", "Sí — Conformidad de Calidad emitida el 12/03/2025"},
  }});
  d.blocks.push_back(Heading{"2. Resumen del cambio"});
  d.blocks.push_back(Paragraph{
      "La presente versión corrige el cálculo de promedios en el registro de notas del nivel "
      "secundaria, incorpora la exportación de actas consolidadas y actualiza la biblioteca de "
      "generación de reportes. El Área de Sistemas de Información revisó la documentación y los "
      "programas fuentes entregados, que son consistentes con las normas y estándares de la "
      "Oficina de Informática. El usuario funcional validó los requerimientos en el ambiente de "
      "Calidad; el pingüino de la mascota institucional ahora se muestra correctamente. ¡Listo!"});
  d.blocks.push_back(Heading{"3. Lista de verificación", 1});
  d.blocks.push_back(Table{
      {{"Control", 0.62}, {"Resultado", 0.18}, {"Fecha", 0.20}},
      {{"Conformidad de pruebas de Calidad", "Cumple", "12/03/2025"},
       {"Conformidad de base de datos (DBA)", "Cumple", "13/03/2025"},
       {"Conformidad de seguridad de la información", "Cumple", "13/03/2025"},
       {"Respaldo previo de la versión en producción", "Programado", "15/03/2025"},
       {"Plan de reversión aprobado", "Cumple", "13/03/2025"}}});
  d.blocks.push_back(Heading{"4. Entregables"});
  d.blocks.push_back(Paragraph{
      "Cada entregable se conserva en la Librería con su resumen SHA-256, que permite comprobar "
      "que el archivo no fue modificado.", true});
  Table files{{{"N°", 0.07}, {"Entregable", 0.33}, {"Archivo", 0.22}, {"SHA-256", 0.38, true}}, {}};
  const char* kinds[] = {"Programas fuentes", "Manual de usuario", "Scripts de base de datos",
                         "Informe técnico de los cambios", "Acta de conformidad de Calidad",
                         "Plan de reversión"};
  for (int i = 1; i <= deliverables; ++i) {
    const std::string n = std::to_string(i);
    std::string what = kinds[i % 6];
    if (i % 7 == 0) what += " — incluye anexos de configuración del servidor de aplicaciones y notas de Informática";
    files.rows.push_back({n, what, "siagie-3.2.0-" + n + ".zip", sha256_hex("entregable " + n)});
  }
  d.blocks.push_back(std::move(files));
  d.blocks.push_back(Heading{"5. Firmas"});
  d.blocks.push_back(Paragraph{
      "Autorizan el pase a producción, conforme al procedimiento OFIN-ASI edición 02:"});
  d.blocks.push_back(SignatureRow{{
      {"María Pérez Ñahui", "Responsable del Área de Sistemas de Información", "14/03/2025 09:41",
       true},
      {"Carlos Gutiérrez Rojas", "Jefe de la Oficina de Informática", "", false},
  }});
  return d;
}

}  // namespace pasaprod::docs::testing
