// Listener mood coordinates (the Deezer Mood Detection Dataset, Delbouys et al. 2018): the
// CSV parser, matching its tracks against a catalogue by normalised artist + title, and the
// per-axis calibration that maps its standardised valence/arousal onto the recommender's
// 0..1 valence/energy plane. The dataset is never embedded: users import their own copy.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moodtune/music/importer.h"
#include "moodtune/music/mood.h"
#include "moodtune/music/track.h"
#include "moodtune/status.h"

namespace moodtune::music {

// One dataset row. valence/arousal stay on the dataset's standardised scale (about -2.3..2.8).
struct ListenerTrack {
  std::string deezer_id;  // dzr_sng_id
  std::string artist;
  std::string title;
  float valence = 0;
  float arousal = 0;
};

struct ParsedListenerMood {
  std::vector<ListenerTrack> tracks;
  std::vector<RowError> errors;  // bad rows, skipped
  int rows = 0;                  // data rows seen (good + bad)
};

// Parses the dataset's CSV (columns dzr_sng_id, valence, arousal, artist_name, track_name
// by header name, any order, others ignored). InvalidArgument for an empty file or a header
// without those columns; bad rows go to errors.
Result<ParsedListenerMood> ParseDeezerMoodCsv(std::string_view text);

// Lower-case ASCII letters and digits of "artist|title" with "&" read as "and", a leading
// "the " dropped from the artist, and the title cut at the first " (", " [", " - " or
// " feat" (remaster / live / featuring suffixes), so "The Beatles", "Let It Be - Remastered"
// and "beatles", "Let it be" meet. Non-ASCII bytes are kept as they are.
std::string MatchKey(std::string_view artist, std::string_view title);

// Pearson correlation of x and y (same length). NaN when n < 2 or a variance is 0.
double Pearson(std::span<const double> x, std::span<const double> y);

// y = slope * x + intercept for one axis, fitted on `n` shared tracks; r is Pearson's r of
// the pairs the fit saw.
struct AxisFit {
  int n = 0;
  double r = 0;
  double slope = 1;
  double intercept = 0;
  double Apply(double x) const { return slope * x + intercept; }
};

// Moment-matching line (reduced major axis): slope = sign(r) * sd(y) / sd(x), through the
// means. Unlike least squares it does not shrink the mapped values toward the middle by r,
// so listener tracks keep the spread of the hand-rated plane (sad and angry stay reachable).
// InvalidArgument when n < 3 or either variance is 0.
Result<AxisFit> FitAxis(std::span<const double> x, std::span<const double> y);

// Dataset valence -> catalogue valence, dataset arousal -> catalogue energy.
struct Calibration {
  AxisFit valence;
  AxisFit energy;
  // The mapped point, clamped to 0..1.
  MoodPoint Apply(float valence, float arousal) const;
};

// A catalogue track and the listener row with the same MatchKey.
struct SharedTrack {
  std::size_t catalogue_index = 0;
  std::size_t listener_index = 0;
};

// Each catalogue track matched to at most one listener row (the first with its key, by the
// track's first artist), in catalogue order.
std::vector<SharedTrack> MatchShared(std::span<const Track> catalogue,
                                     std::span<const ListenerTrack> listener);

// Fits both axes on `shared` pairs: x = the listener coordinates, y = the catalogue's values.
// InvalidArgument as FitAxis (too few shared tracks, no spread).
Result<Calibration> FitCalibration(std::span<const Track> catalogue,
                                   std::span<const ListenerTrack> listener,
                                   std::span<const SharedTrack> shared);

// Catalogue tracks for listener rows: calibrated valence/energy, genre "" (unknown), the
// Deezer id with its track URL, a Spotify search URL, no preview, source `source`.
std::vector<Track> ListenerCatalogue(std::span<const ListenerTrack> listener, const Calibration& c,
                                     std::string_view source);

// One row of a re-check: a catalogue track's stored values beside its calibrated listener
// point, `disagreement` = Distance between the two.
struct RecheckRow {
  std::size_t catalogue_index = 0;
  MoodPoint stored;
  MoodPoint listener;
  std::string deezer_id;
  float disagreement = 0;
};

struct RecheckReport {
  std::vector<RecheckRow> rows;  // every shared track, largest disagreement first
  // Pearson r of the stored values and, after correction, of the corrected values, against
  // the raw listener coordinates (valence vs valence, energy vs arousal).
  double r_valence_before = 0, r_energy_before = 0;
  double r_valence_after = 0, r_energy_after = 0;
  double mean_disagreement_before = 0;  // mean plane distance stored -> calibrated listener
};

// Compares `catalogue` with the listener rows it shares; "after" assumes every shared
// track takes its calibrated listener point (what Catalogue::SetMoods applies).
RecheckReport Recheck(std::span<const Track> catalogue, std::span<const ListenerTrack> listener,
                      std::span<const SharedTrack> shared, const Calibration& c);

}  // namespace moodtune::music
