// How the release text filter folds text (storage/store.h ReleaseFilter::text): every backend
// stores the folded text of a release and folds the needle alike, so "matches" means the same
// plain substring test everywhere.
#pragma once

#include <string>
#include <string_view>

namespace pasaprod {

// Folds ASCII and Latin-1 letters to lower case, and the Spanish accented vowels (á é í ó ú ü,
// any case) to plain vowels; ñ stays ñ. Other bytes are kept as they are.
std::string fold_search(std::string_view text);

}  // namespace pasaprod
