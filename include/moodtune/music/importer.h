// Catalogue importers: CSV with a column mapping, the MuSe dataset CSV, and JSON.
// Parsing is pure (text in, tracks + row errors out); ImportFile adds the file read.
// Thread-safety: free functions; the Catalogue passed in must not be shared.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "moodtune/music/catalogue.h"
#include "moodtune/music/track.h"
#include "moodtune/status.h"

namespace moodtune::music {

enum class ImportFormat {
  kAuto,  // .json -> kJson; a CSV header with valence_tags -> kMuse; else kCsv
  kCsv,   // columns named by ColumnMapping
  kMuse,  // MuSe: track, artist, seeds, valence_tags, arousal_tags (1..9), spotify_id, genre
  kJson,  // [ {title, artists|artist, genre, valence, energy, moods, ...} ] or {"tracks": [...]}
};
Result<ImportFormat> ParseImportFormat(std::string_view name);  // auto, csv, muse, json

// Which CSV header names hold which field (case-insensitive). Empty = not present.
struct ColumnMapping {
  std::string title = "title";
  std::string artists = "artists";  // ';'-separated; "artist" is accepted too
  std::string album = "album";
  std::string genre = "genre";
  std::string year = "year";
  std::string valence = "valence";
  std::string energy = "energy";
  std::string moods = "moods";      // ';'-separated tags
  std::string spotify_id = "spotify_id";
  std::string deezer_id = "deezer_id";
  std::string preview_url = "preview_url";
};

struct ImportOptions {
  ImportFormat format = ImportFormat::kAuto;
  ColumnMapping columns;
  float scale_min = 0.0f;  // kCsv/kJson valence/energy are rescaled from [min,max] to 0..1
  float scale_max = 1.0f;
  std::string default_genre = "unknown";  // when a row has no genre
  std::string source = "import";          // stored in tracks.source
};

// Applies "field=Header" overrides (e.g. "title=Song") to a mapping; InvalidArgument on an
// unknown field or missing '='.
Status ApplyColumnOverride(ColumnMapping& m, std::string_view field_eq_header);

struct RowError {
  int line = 0;  // 1-based physical line of the row in the file (JSON: item index + 1)
  std::string message;
};

struct ParsedImport {
  std::vector<Track> tracks;
  std::vector<RowError> errors;
  int rows = 0;  // data rows seen (good + bad)
};

// Whole-file problems (no header, missing title/artist/valence/energy column, bad JSON)
// are InvalidArgument; per-row problems go to errors and the row is skipped.
Result<ParsedImport> ParseCsvTracks(std::string_view text, const ImportOptions& o);
Result<ParsedImport> ParseMuseTracks(std::string_view text, const ImportOptions& o);
Result<ParsedImport> ParseJsonTracks(std::string_view text, const ImportOptions& o);
// Dispatches on o.format; kAuto decides from `file_name` and the text.
Result<ParsedImport> ParseTracks(std::string_view text, std::string_view file_name,
                                 const ImportOptions& o);

struct ImportReport {
  ParsedImport parsed;  // tracks moved out after storing; errors and rows kept
  AddReport added;
};

// Reads `path`, parses it and adds the good rows in one transaction.
Result<ImportReport> ImportFile(Catalogue& catalogue, const std::string& path,
                                const ImportOptions& o);

}  // namespace moodtune::music
