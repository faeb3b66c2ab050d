// libFuzzer target: Spotify Web API answers (search and playlist pages) parsed through the
// provider's public entry points with a fake HTTP client; the track parser is private to
// src/music. Any body must give tracks or a Status, never a crash or an escaped exception.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "moodtune/music/spotify.h"
#include "provider_fakes.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moodtune;
  using namespace moodtune::music;
  if (size == 0) return 0;
  // First byte: bit 0 picks the endpoint, bit 1 feeds the body to the token request too.
  const bool playlist = data[0] & 1;
  fuzz::BodyHttp http(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1),
                      data[0] & 2);
  fuzz::StillClock clock;
  SpotifyOptions o;
  o.api_base = "https://api.test";  // a body's "next" on this host is followed (same body)
  o.accounts_base = "https://accounts.test";
  o.max_pages = 3;
  SpotifyProvider p(o, {"id", "secret"}, http, clock);
  const auto deadline = clock.Now() + std::chrono::hours(1);
  auto r = playlist ? p.Playlist("pl", deadline, 500) : p.ForMood(ProviderQuery{}, deadline);
  if (!r.ok()) return 0;
  for (const Track& t : *r)
    if (t.title.empty() || t.artists.empty() || t.spotify_id.empty()) std::abort();
  return 0;
}
