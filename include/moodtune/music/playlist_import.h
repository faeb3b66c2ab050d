// `moodtune catalog import` of a Spotify or Deezer playlist: recognising playlist
// references and storing their tracks with real IDs and links.
// Thread-safety: ParsePlaylistRef is pure; ImportPlaylist uses the borrowed objects.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "moodtune/emotion.h"
#include "moodtune/music/catalogue.h"
#include "moodtune/music/importer.h"
#include "moodtune/music/provider.h"

namespace moodtune::music {

struct PlaylistRef {
  std::string provider;  // "spotify" or "deezer"
  std::string id;
};

// Recognises spotify:playlist:ID, https://open.spotify.com/[intl-xx/]playlist/ID[?si=..],
// deezer:playlist:ID, https://www.deezer.com/[xx/]playlist/ID[?..], and a bare ID when
// `provider_hint` is "spotify" or "deezer" (without a hint: 22 base-62 characters ->
// Spotify, digits only -> Deezer). nullopt for anything else (e.g. a file name).
std::optional<PlaylistRef> ParsePlaylistRef(std::string_view text,
                                            std::string_view provider_hint = "");

struct PlaylistImportOptions {
  std::string genre = "unknown";    // stored genre (the APIs give none per track)
  Emotion mood = Emotion::kNeutral;  // valence/energy = EmotionAnchor(mood), moods = {name}
  int max_tracks = 2000;            // stop after this many tracks
  Millis timeout{60000};            // whole import, all pages
};

// Reads the playlist through `provider` (its Name() must be ref.provider) and adds its
// tracks in one transaction (duplicates skipped). Tracks keep their real IDs and links;
// source = "<provider>:playlist:<id>". Provider errors are returned as they are.
Result<ImportReport> ImportPlaylist(Catalogue& catalogue, Provider& provider, Clock& clock,
                                    const PlaylistRef& ref, const PlaylistImportOptions& o);

}  // namespace moodtune::music
