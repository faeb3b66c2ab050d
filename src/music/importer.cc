#include "moodtune/music/importer.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "csv.h"

namespace moodtune::music {
using internal::ParseFloat;
using internal::SplitList;
using internal::ToLower;
using internal::TrimView;

Result<ImportFormat> ParseImportFormat(std::string_view name) {
  if (name == "auto") return ImportFormat::kAuto;
  if (name == "csv") return ImportFormat::kCsv;
  if (name == "muse") return ImportFormat::kMuse;
  if (name == "json") return ImportFormat::kJson;
  return Status::InvalidArgument("unknown format '" + std::string(name) +
                                 "' (auto, csv, muse, json)");
}

Status ApplyColumnOverride(ColumnMapping& m, std::string_view spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string_view::npos)
    return Status::InvalidArgument("column mapping '" + std::string(spec) + "' needs field=Header");
  const std::string field = ToLower(TrimView(spec.substr(0, eq)));
  const std::string header(TrimView(spec.substr(eq + 1)));
  std::pair<const char*, std::string*> fields[] = {{"title", &m.title},
                                                   {"artists", &m.artists},
                                                   {"album", &m.album},
                                                   {"genre", &m.genre},
                                                   {"year", &m.year},
                                                   {"valence", &m.valence},
                                                   {"energy", &m.energy},
                                                   {"moods", &m.moods},
                                                   {"spotify_id", &m.spotify_id},
                                                   {"deezer_id", &m.deezer_id},
                                                   {"preview_url", &m.preview_url}};
  for (auto& [name, target] : fields)
    if (field == name) {
      *target = header;
      return Status::Ok();
    }
  return Status::InvalidArgument("unknown field '" + field + "' in column mapping");
}

namespace {

// Rescales [min,max] to 0..1; false when outside.
bool Rescale(float x, float min, float max, float* out) {
  if (x < min || x > max) return false;
  *out = max > min ? (x - min) / (max - min) : 0.0f;
  return true;
}

void FillLinks(Track& t) {
  const std::string first = t.artists.empty() ? "" : t.artists.front();
  if (t.spotify_url.empty())
    t.spotify_url =
        t.spotify_id.empty() ? SpotifySearchUrl(t.title, first) : SpotifyTrackUrl(t.spotify_id);
  if (t.deezer_url.empty())
    t.deezer_url =
        t.deezer_id.empty() ? DeezerSearchUrl(t.title, first) : DeezerTrackUrl(t.deezer_id);
}

// MuSe "seeds" look like "['aggressive', 'fun']".
std::vector<std::string> ParseSeeds(std::string_view s) {
  std::vector<std::string> out;
  for (auto& part : SplitList(s, ',')) {
    std::string tag;
    for (char c : part)
      if (c != '[' && c != ']' && c != '\'' && c != '"') tag += c;
    tag = std::string(TrimView(tag));
    if (!tag.empty()) out.push_back(ToLower(tag));
  }
  return out;
}

struct TableSpec {
  ColumnMapping columns;
  float scale_min, scale_max;
  bool muse_seeds;  // moods column holds a Python list literal
};

Result<ParsedImport> ParseTable(std::string_view text, const TableSpec& spec,
                                const ImportOptions& o) {
  internal::CsvReader reader(text);
  std::vector<std::string> fields;
  std::string err;
  int line = 0;
  if (!reader.Next(&fields, &line, &err)) return Status::InvalidArgument("empty file");
  std::vector<std::string> header;
  for (auto& f : fields) header.push_back(ToLower(TrimView(f)));
  auto col = [&](const std::string& name) -> int {
    if (name.empty()) return -1;
    const std::string n = ToLower(name);
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == n) return static_cast<int>(i);
    return -1;
  };
  const ColumnMapping& m = spec.columns;
  const int c_title = col(m.title);
  int c_artists = col(m.artists);
  if (c_artists < 0 && m.artists == "artists") c_artists = col("artist");
  const int c_valence = col(m.valence), c_energy = col(m.energy);
  const int c_album = col(m.album), c_genre = col(m.genre), c_year = col(m.year);
  const int c_moods = col(m.moods), c_spotify = col(m.spotify_id), c_deezer = col(m.deezer_id);
  const int c_preview = col(m.preview_url);
  std::string missing;
  for (auto [c, name] : {std::pair{c_title, m.title}, std::pair{c_artists, m.artists},
                         std::pair{c_valence, m.valence}, std::pair{c_energy, m.energy}})
    if (c < 0) missing += (missing.empty() ? "" : ", ") + name;
  if (!missing.empty())
    return Status::InvalidArgument("header lacks required column(s): " + missing);

  ParsedImport out;
  auto field = [&](int c) -> std::string_view {
    return c >= 0 && c < static_cast<int>(fields.size()) ? TrimView(fields[c]) : "";
  };
  while (reader.Next(&fields, &line, &err)) {
    ++out.rows;
    auto bad = [&](std::string msg) { out.errors.push_back({line, std::move(msg)}); };
    if (!err.empty()) {
      bad(err);
      continue;
    }
    if (fields.size() != header.size()) {
      bad("expected " + std::to_string(header.size()) + " fields, got " +
          std::to_string(fields.size()));
      continue;
    }
    Track t;
    t.title = std::string(field(c_title));
    t.artists = SplitList(field(c_artists));
    if (t.title.empty()) {
      bad("empty title");
      continue;
    }
    if (t.artists.empty()) {
      bad("empty artist");
      continue;
    }
    float v, e;
    if (!ParseFloat(field(c_valence), &v) ||
        !Rescale(v, spec.scale_min, spec.scale_max, &t.valence)) {
      bad("valence '" + std::string(field(c_valence)) + "' is not a number in [" +
          std::to_string(spec.scale_min) + ", " + std::to_string(spec.scale_max) + "]");
      continue;
    }
    if (!ParseFloat(field(c_energy), &e) ||
        !Rescale(e, spec.scale_min, spec.scale_max, &t.energy)) {
      bad("energy '" + std::string(field(c_energy)) + "' is not a number in [" +
          std::to_string(spec.scale_min) + ", " + std::to_string(spec.scale_max) + "]");
      continue;
    }
    if (auto y = field(c_year); !y.empty()) {
      auto [p, ec] = std::from_chars(y.data(), y.data() + y.size(), t.year);
      if (ec != std::errc() || p != y.data() + y.size() || t.year < 0 || t.year > 3000) {
        bad("year '" + std::string(y) + "' is not a year");
        continue;
      }
    }
    t.album = std::string(field(c_album));
    const std::string_view g = field(c_genre);
    t.genre = NormalizeGenre(g.empty() ? o.default_genre : g);
    t.moods = spec.muse_seeds ? ParseSeeds(field(c_moods)) : SplitList(field(c_moods));
    for (auto& mood : t.moods) mood = ToLower(mood);
    t.spotify_id = std::string(field(c_spotify));
    t.deezer_id = std::string(field(c_deezer));
    t.preview_url = std::string(field(c_preview));
    t.source = o.source;
    FillLinks(t);
    out.tracks.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Result<ParsedImport> ParseCsvTracks(std::string_view text, const ImportOptions& o) {
  if (!(o.scale_max > o.scale_min))
    return Status::InvalidArgument("scale_max must exceed scale_min");
  return ParseTable(text, {o.columns, o.scale_min, o.scale_max, false}, o);
}

Result<ParsedImport> ParseMuseTracks(std::string_view text, const ImportOptions& o) {
  ColumnMapping m;
  m.title = "track";
  m.artists = "artist";
  m.album = "";
  m.year = "";
  m.valence = "valence_tags";
  m.energy = "arousal_tags";
  m.moods = "seeds";
  m.spotify_id = "spotify_id";
  m.deezer_id = "";
  m.preview_url = "";
  m.genre = "genre";
  // MuSe rates valence and arousal on the 1..9 scale of Warriner et al.
  return ParseTable(text, {m, 1.0f, 9.0f, true}, o);
}

Result<ParsedImport> ParseJsonTracks(std::string_view text, const ImportOptions& o) {
  using nlohmann::json;
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("malformed JSON");
  if (doc.is_object() && doc.contains("tracks")) doc = doc["tracks"];
  if (!doc.is_array()) return Status::InvalidArgument("expected a JSON array of tracks");
  ParsedImport out;
  int index = 0;
  for (const json& item : doc) {
    ++index;
    ++out.rows;
    auto bad = [&](std::string msg) { out.errors.push_back({index, std::move(msg)}); };
    if (!item.is_object()) {
      bad("not an object");
      continue;
    }
    auto str = [&](const char* key) -> std::string {
      auto it = item.find(key);
      return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto list = [&](const char* key) -> std::vector<std::string> {
      std::vector<std::string> v;
      auto it = item.find(key);
      if (it == item.end()) return v;
      if (it->is_string()) return SplitList(it->get<std::string>());
      if (it->is_array())
        for (const auto& e : *it)
          if (e.is_string()) v.push_back(e.get<std::string>());
      return v;
    };
    Track t;
    t.title = str("title");
    if (t.title.empty()) t.title = str("name");
    t.artists = list("artists");
    if (t.artists.empty()) t.artists = list("artist");
    if (t.title.empty()) {
      bad("missing title");
      continue;
    }
    if (t.artists.empty()) {
      bad("missing artists");
      continue;
    }
    auto num = [&](const char* key, float* dst) {
      auto it = item.find(key);
      if (it == item.end() || !it->is_number()) return false;
      return Rescale(it->get<float>(), o.scale_min, o.scale_max, dst);
    };
    if (!num("valence", &t.valence)) {
      bad("valence missing or outside scale");
      continue;
    }
    if (!num("energy", &t.energy)) {
      bad("energy missing or outside scale");
      continue;
    }
    if (auto it = item.find("year"); it != item.end() && it->is_number_integer())
      t.year = it->get<int>();
    t.album = str("album");
    const std::string g = str("genre");
    t.genre = NormalizeGenre(g.empty() ? o.default_genre : g);
    t.moods = list("moods");
    for (auto& mood : t.moods) mood = ToLower(mood);
    t.spotify_id = str("spotify_id");
    t.deezer_id = str("deezer_id");
    t.preview_url = str("preview_url");
    t.source = o.source;
    FillLinks(t);
    out.tracks.push_back(std::move(t));
  }
  return out;
}

Result<ParsedImport> ParseTracks(std::string_view text, std::string_view file_name,
                                 const ImportOptions& o) {
  ImportFormat f = o.format;
  if (f == ImportFormat::kAuto) {
    const std::string name = ToLower(file_name);
    if (name.size() >= 5 && name.ends_with(".json"))
      f = ImportFormat::kJson;
    else {
      const std::string first = ToLower(text.substr(0, text.find('\n')));
      f = first.find("valence_tags") != std::string::npos ? ImportFormat::kMuse
                                                          : ImportFormat::kCsv;
    }
  }
  switch (f) {
    case ImportFormat::kJson:
      return ParseJsonTracks(text, o);
    case ImportFormat::kMuse:
      return ParseMuseTracks(text, o);
    default:
      return ParseCsvTracks(text, o);
  }
}

Result<ImportReport> ImportFile(Catalogue& catalogue, const std::string& path,
                                const ImportOptions& o) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  auto parsed = ParseTracks(text, path, o);
  if (!parsed.ok()) return Status(parsed.status().code(), path + ": " + parsed.status().message());
  ImportReport report;
  report.parsed = std::move(*parsed);
  auto added = catalogue.AddTracks(report.parsed.tracks);
  if (!added.ok()) return added.status();
  report.added = *added;
  return report;
}

}  // namespace moodtune::music
