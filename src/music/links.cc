#include <algorithm>
#include <cctype>

#include "moodtune/music/track.h"

namespace moodtune::music {

std::string_view FeedbackName(FeedbackKind k) { return k == FeedbackKind::kLike ? "like" : "skip"; }

namespace {
std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
}  // namespace

std::vector<std::string> GenresOf(const std::vector<Track>& tracks) {
  std::vector<std::string> g;
  for (const Track& t : tracks)
    if (!t.genre.empty()) g.push_back(t.genre);
  std::sort(g.begin(), g.end());
  g.erase(std::unique(g.begin(), g.end()), g.end());
  return g;
}

std::string NormalizeGenre(std::string_view genre) {
  std::string g = Lower(Trim(genre));
  // Aliases seen in MuSe, Spotify and Deezer genre strings.
  static const std::pair<std::string_view, std::string_view> kAliases[] = {
      {"hip hop", "hip-hop"},      {"hiphop", "hip-hop"},
      {"rap", "hip-hop"},          {"rnb", "r&b"},
      {"r and b", "r&b"},          {"r'n'b", "r&b"},
      {"kpop", "k-pop"},           {"k pop", "k-pop"},
      {"afro-beats", "afrobeats"}, {"electronica", "electronic"},
      {"edm", "electronic"},       {"dance", "electronic"},
      {"latino", "latin"},         {"classic", "classical"},
  };
  for (const auto& [from, to] : kAliases)
    if (g == from) return std::string(to);
  return g;
}

std::vector<std::string> GenreFamily(const std::string& genre) {
  static const std::vector<std::vector<std::string>> kFamilies = {
      {"afrobeat", "afrobeats"},
  };
  for (const auto& family : kFamilies)
    if (std::find(family.begin(), family.end(), genre) != family.end()) return family;
  return {genre};
}

std::string JoinArtists(const std::vector<std::string>& artists, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < artists.size(); ++i) {
    if (i) out += sep;
    out += artists[i];
  }
  return out;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {
std::string Query(std::string_view title, std::string_view artist) {
  std::string q(title);
  if (!artist.empty()) {
    q += ' ';
    q += artist;
  }
  return PercentEncode(q);
}
}  // namespace

std::string SpotifySearchUrl(std::string_view title, std::string_view artist) {
  return "https://open.spotify.com/search/" + Query(title, artist);
}
std::string DeezerSearchUrl(std::string_view title, std::string_view artist) {
  return "https://www.deezer.com/search/" + Query(title, artist);
}
std::string SpotifyTrackUrl(std::string_view id) {
  return "https://open.spotify.com/track/" + std::string(id);
}
std::string DeezerTrackUrl(std::string_view id) {
  return "https://www.deezer.com/track/" + std::string(id);
}

std::string DedupKey(const Track& t) {
  std::string k = Lower(Trim(t.title));
  k += '|';
  for (size_t i = 0; i < t.artists.size(); ++i) {
    if (i) k += ';';
    k += Lower(Trim(t.artists[i]));
  }
  return k;
}

}  // namespace moodtune::music
