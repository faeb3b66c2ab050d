#include "moodtune/music/playlist_import.h"

#include <algorithm>
#include <cctype>

#include "moodtune/music/mood.h"

namespace moodtune::music {

namespace {

bool IsBase62(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c); });
}
bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The path segment after "/playlist/" in a URL, without query or fragment.
std::optional<std::string_view> PlaylistSegment(std::string_view url, std::string_view host) {
  if (!url.starts_with(host)) return std::nullopt;
  url.remove_prefix(host.size());
  const size_t at = url.find("/playlist/");
  if (at == std::string_view::npos) return std::nullopt;
  // Only an optional locale segment ("/intl-de", "/en") may precede it.
  if (at != 0 && url.substr(1, at - 1).find('/') != std::string_view::npos) return std::nullopt;
  std::string_view id = url.substr(at + 10);
  id = id.substr(0, std::min(id.find('?'), id.find('#')));
  if (!id.empty() && id.back() == '/') id.remove_suffix(1);
  return id;
}

}  // namespace

std::optional<PlaylistRef> ParsePlaylistRef(std::string_view text, std::string_view hint) {
  auto make = [](std::string p, std::string_view id) -> std::optional<PlaylistRef> {
    if (p == "spotify" ? !IsBase62(id) : !IsDigits(id)) return std::nullopt;
    return PlaylistRef{std::move(p), std::string(id)};
  };
  if (text.starts_with("spotify:playlist:")) return make("spotify", text.substr(17));
  if (text.starts_with("deezer:playlist:")) return make("deezer", text.substr(16));
  for (std::string_view host : {"https://open.spotify.com", "http://open.spotify.com"})
    if (auto id = PlaylistSegment(text, host)) return make("spotify", *id);
  for (std::string_view host : {"https://www.deezer.com", "https://deezer.com",
                                "http://www.deezer.com"})
    if (auto id = PlaylistSegment(text, host)) return make("deezer", *id);
  if (hint == "spotify" || hint == "deezer") return make(std::string(hint), text);
  if (text.size() == 22 && IsBase62(text)) return make("spotify", text);
  if (IsDigits(text)) return make("deezer", text);
  return std::nullopt;
}

Result<ImportReport> ImportPlaylist(Catalogue& catalogue, Provider& provider, Clock& clock,
                                    const PlaylistRef& ref, const PlaylistImportOptions& o) {
  if (provider.Name() != ref.provider)
    return Status::InvalidArgument("playlist is from " + ref.provider + ", provider is " +
                                   std::string(provider.Name()));
  auto tracks = provider.Playlist(ref.id, clock.Now() + o.timeout, o.max_tracks);
  if (!tracks.ok()) return tracks.status();
  const MoodPoint p = EmotionAnchor(o.mood);
  ImportReport report;
  for (Track& t : *tracks) {
    t.id = 0;
    t.valence = p.valence;
    t.energy = p.energy;
    t.moods = {std::string(EmotionName(o.mood))};
    t.genre = NormalizeGenre(o.genre.empty() ? "unknown" : o.genre);
    t.source = ref.provider + ":playlist:" + ref.id;
  }
  report.parsed.rows = static_cast<int>(tracks->size());
  report.parsed.tracks = std::move(*tracks);
  auto added = catalogue.AddTracks(report.parsed.tracks);
  if (!added.ok()) return added.status();
  report.added = *added;
  return report;
}

}  // namespace moodtune::music
