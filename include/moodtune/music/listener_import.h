// `catalog import --format deezer-mood` and `catalog recheck`: reads the user's copy of the
// Deezer Mood Detection Dataset, calibrates it against the embedded catalogue (the hand-rated
// tracks both share) and adds its tracks to a Catalogue, or corrects the stored tracks it
// shares. The pure parts live in listener_mood.h.
// Thread-safety: free functions; the Catalogue passed in must not be shared.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "moodtune/music/catalogue.h"
#include "moodtune/music/listener_mood.h"
#include "moodtune/status.h"

namespace moodtune::music {

// The rows of every file, in order. NotFound for a file that cannot be read, InvalidArgument
// (naming the file) for one that is not the dataset's CSV; bad rows land in `problems` as
// "FILE:LINE: message" and are skipped.
struct ListenerRows {
  std::vector<ListenerTrack> tracks;
  std::vector<std::string> problems;
  int rows = 0;
};
Result<ListenerRows> ReadDeezerMoodFiles(std::span<const std::string> paths);

// The calibration fitted on the embedded catalogue's hand values (DefaultCatalogueTracks)
// and the listener rows sharing their MatchKey, so every command maps the same way whatever
// the database holds. InvalidArgument when fewer than 3 tracks are shared.
Result<Calibration> CalibrateAgainstEmbedded(std::span<const ListenerTrack> listener);

struct DeezerMoodImportOptions {
  std::string source = "deezer-mood";  // tracks.source of the added rows
};

struct DeezerMoodImportReport {
  Calibration calibration;
  int already_stored = 0;  // rows whose MatchKey a stored track has: not added (see recheck)
  AddReport added;         // duplicates: rows repeating an earlier row's title + artist
};

// Calibrates, then adds every listener row that no stored track shares (by MatchKey) in one
// transaction: genre "" (unknown), Deezer id and URL, calibrated valence/energy.
Result<DeezerMoodImportReport> ImportDeezerMood(Catalogue& catalogue,
                                                std::span<const ListenerTrack> listener,
                                                const DeezerMoodImportOptions& o = {});

// The stored tracks whose listener point is known (by Deezer id first, else by MatchKey),
// each beside its calibrated listener point.
struct GroundTruth {
  std::vector<Track> tracks;
  std::vector<MoodPoint> truth;  // truth[i] belongs to tracks[i]
};
GroundTruth WithListenerTruth(std::span<const Track> stored,
                              std::span<const ListenerTrack> listener, const Calibration& c);

}  // namespace moodtune::music
