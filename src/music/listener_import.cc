#include "moodtune/music/listener_import.h"

#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace moodtune::music {

Result<ListenerRows> ReadDeezerMoodFiles(std::span<const std::string> paths) {
  ListenerRows out;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound("cannot read " + path);
    std::ostringstream buf;
    buf << in.rdbuf();
    auto parsed = ParseDeezerMoodCsv(buf.str());
    if (!parsed.ok())
      return Status(parsed.status().code(), path + ": " + parsed.status().message());
    out.rows += parsed->rows;
    for (const RowError& e : parsed->errors)
      out.problems.push_back(path + ":" + std::to_string(e.line) + ": " + e.message);
    for (ListenerTrack& t : parsed->tracks) out.tracks.push_back(std::move(t));
  }
  return out;
}

Result<Calibration> CalibrateAgainstEmbedded(std::span<const ListenerTrack> listener) {
  auto embedded = DefaultCatalogueTracks();
  if (!embedded.ok()) return embedded.status();
  const auto shared = MatchShared(*embedded, listener);
  auto c = FitCalibration(*embedded, listener, shared);
  if (!c.ok())
    return Status::InvalidArgument("cannot calibrate against the embedded catalogue (" +
                                   std::to_string(shared.size()) +
                                   " shared tracks): " + c.status().message());
  return c;
}

Result<DeezerMoodImportReport> ImportDeezerMood(Catalogue& catalogue,
                                                std::span<const ListenerTrack> listener,
                                                const DeezerMoodImportOptions& o) {
  DeezerMoodImportReport report;
  auto c = CalibrateAgainstEmbedded(listener);
  if (!c.ok()) return c.status();
  report.calibration = *c;
  auto stored = catalogue.AllTracks();
  if (!stored.ok()) return stored.status();
  std::unordered_set<std::string> stored_keys;
  stored_keys.reserve(stored->size());
  for (const Track& t : *stored)
    if (!t.artists.empty()) stored_keys.insert(MatchKey(t.artists.front(), t.title));
  std::vector<ListenerTrack> fresh;
  fresh.reserve(listener.size());
  for (const ListenerTrack& l : listener) {
    if (stored_keys.count(MatchKey(l.artist, l.title)))
      ++report.already_stored;
    else
      fresh.push_back(l);
  }
  const std::vector<Track> tracks = ListenerCatalogue(fresh, *c, o.source);
  auto added = catalogue.AddTracks(tracks);
  if (!added.ok()) return added.status();
  report.added = *added;
  return report;
}

GroundTruth WithListenerTruth(std::span<const Track> stored,
                              std::span<const ListenerTrack> listener, const Calibration& c) {
  std::unordered_map<std::string, std::size_t> by_id, by_key;
  for (std::size_t i = 0; i < listener.size(); ++i) {
    by_id.emplace(listener[i].deezer_id, i);
    by_key.emplace(MatchKey(listener[i].artist, listener[i].title), i);
  }
  GroundTruth out;
  for (const Track& t : stored) {
    std::size_t index = listener.size();
    if (auto it = by_id.find(t.deezer_id); !t.deezer_id.empty() && it != by_id.end())
      index = it->second;
    else if (auto k = t.artists.empty() ? by_key.end()
                                        : by_key.find(MatchKey(t.artists.front(), t.title));
             k != by_key.end())
      index = k->second;
    if (index == listener.size()) continue;
    const ListenerTrack& l = listener[index];
    out.tracks.push_back(t);
    out.truth.push_back(c.Apply(l.valence, l.arousal));
  }
  return out;
}

}  // namespace moodtune::music
