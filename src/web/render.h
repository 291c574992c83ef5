// Mustache rendering of JSON data (kainjow::mustache, Debian's libkainjow-mustache-dev).
//
// {{name}} is HTML-escaped (& < > " '); {{{name}}} is raw and is used only for HTML the server
// built itself (the page body inside the layout). Sections iterate arrays and test values:
// null, false, "" and [] are false.
//
//   Result<std::string> html = render_template("<p>{{who}}</p>", {{"who", "<b>"}});  // "<p>&lt;b&gt;</p>"
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace pasaprod::web {

// invalid_argument "template.invalid" (with the parser's message) when the template is malformed.
Result<std::string> render_template(const std::string& tmpl, const nlohmann::json& data);

}  // namespace pasaprod::web
