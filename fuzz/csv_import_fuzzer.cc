// libFuzzer target: the catalogue CSV importers (plain CSV and MuSe, chosen as `moodtune
// import` chooses, from the header) must accept or reject any text without crashing, and
// every accepted track must satisfy the importer's contract.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "moodtune/music/importer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moodtune::music;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ImportOptions o;
  auto r = ParseTracks(text, "fuzz.csv", o);
  if (!r.ok()) return 0;
  if (r->rows != static_cast<int>(r->tracks.size() + r->errors.size())) std::abort();
  for (const Track& t : r->tracks) {
    if (t.title.empty() || t.artists.empty()) std::abort();
    if (!(t.valence >= 0 && t.valence <= 1 && t.energy >= 0 && t.energy <= 1)) std::abort();
  }
  return 0;
}
