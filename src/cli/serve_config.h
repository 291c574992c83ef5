// `pasaprod serve --config FILE`: every serve option (and the global --db, --lang,
// --anchor-key, --anchor-witness) from one YAML file, keyed by the option's long name without
// "--". Options given on the command line win over the file.
//
//   # /etc/pasaprod/pasaprod.yaml
//   db: /var/lib/pasaprod/pasaprod.db
//   listen: 127.0.0.1:8080
//   trusted-proxy: [127.0.0.1]
//   secure-cookies: true
//
// A value is a scalar, or a list of scalars for a repeatable option; flags take true/false.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/status.h"

namespace pasaprod {

// Applies the file at `path` to the options of `serve_cmd` (and of its parent, for the global
// keys) that the command line did not set, validating each value as the command line would.
// Errors (invalid_argument, naming file and key): unreadable or larger than 64 KiB
// ("config.unreadable"), not YAML or not a mapping ("config.malformed"), a key that is no
// serve option ("config.unknown_key", listing the valid ones), a value the option refuses
// ("config.bad_value").
Status apply_serve_config(CLI::App& serve_cmd, const std::string& path);

}  // namespace pasaprod
