// Test helpers for src/reports: build Release values with a recorded history directly (no
// engine, no store), times given as ISO 8601 text.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/procedure.h"

namespace pasaprod::reports::testing {

// The built-in procedure (edition 02), loaded once.
const Procedure& procedure();

// parse_iso(iso), asserting it parses.
Timestamp at(const std::string& iso);

// A release in `state` with no history yet.
Release release(const std::string& number, const std::string& system, const std::string& kind, const std::string& version,
                const std::string& created_iso);

// One file per listed slot, named "<slot>-<version>.zip", with a digest derived from the name.
void add_files(Release& r, const std::vector<std::string>& slots);
// One file per required uploadable slot of the release's kind.
void add_kind_files(Release& r);

// An "accepted" review of every slot holding files, at `iso`, by `by`, for the current content.
void accept_all(Release& r, const std::string& by, const std::string& iso);

// Appends a transition; from/to are taken from the release's current state and `to`, and the
// state moves to `to`. The manifest recorded is the current one.
void act(Release& r, const std::string& action, const std::string& to, const std::string& by, const std::string& iso,
         const std::string& note = "");
// Appends a record with the current manifest.
void record(Release& r, const std::string& type, std::map<std::string, std::string> fields, const std::string& by,
            const std::string& iso);

}  // namespace pasaprod::reports::testing
