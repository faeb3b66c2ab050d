// libFuzzer target: Deezer API answers (search and playlist pages, including its in-body
// error objects) parsed through the provider's public entry points with a fake HTTP
// client; the parser is private to src/music. Any body must give tracks or a Status.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "moodtune/music/deezer.h"
#include "provider_fakes.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moodtune;
  using namespace moodtune::music;
  if (size == 0) return 0;
  const bool playlist = data[0] & 1;  // first byte picks the endpoint, the rest is the body
  fuzz::BodyHttp http(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1),
                      /*fuzz_token=*/false);
  fuzz::StillClock clock;
  DeezerOptions o;
  o.api_base = "https://api.test";  // a body's "next" on this host is followed (same body)
  o.max_pages = 3;
  DeezerProvider p(o, http, clock);
  const auto deadline = clock.Now() + std::chrono::hours(1);
  auto r = playlist ? p.Playlist("pl", deadline, 500) : p.ForMood(ProviderQuery{}, deadline);
  if (!r.ok()) return 0;
  for (const Track& t : *r)
    if (t.title.empty() || t.artists.empty() || t.deezer_id.empty()) std::abort();
  return 0;
}
