#include "moodtune/music/listener_mood.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "csv.h"

namespace moodtune::music {
using internal::ParseFloat;
using internal::ToLower;
using internal::TrimView;

namespace {

// Letters and digits only, lower-case; "&" spelled "and".
std::string Squash(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '&')
      out += "and";
    else if (c >= 0x80)
      out += ch;
    else if (std::isalnum(c))
      out += static_cast<char>(std::tolower(c));
  }
  return out;
}

float Clamp01(double x) { return static_cast<float>(std::clamp(x, 0.0, 1.0)); }

}  // namespace

Result<ParsedListenerMood> ParseDeezerMoodCsv(std::string_view text) {
  internal::CsvReader reader(text);
  std::vector<std::string> fields;
  std::string err;
  int line = 0;
  if (!reader.Next(&fields, &line, &err)) return Status::InvalidArgument("empty file");
  std::vector<std::string> header;
  for (auto& f : fields) header.push_back(ToLower(TrimView(f)));
  auto col = [&](std::string_view name) {
    auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  };
  const int c_id = col("dzr_sng_id"), c_v = col("valence"), c_a = col("arousal");
  const int c_artist = col("artist_name"), c_title = col("track_name");
  std::string missing;
  for (auto [c, name] :
       {std::pair{c_id, "dzr_sng_id"}, std::pair{c_v, "valence"}, std::pair{c_a, "arousal"},
        std::pair{c_artist, "artist_name"}, std::pair{c_title, "track_name"}})
    if (c < 0) missing += (missing.empty() ? "" : ", ") + std::string(name);
  if (!missing.empty())
    return Status::InvalidArgument("not a deezer-mood CSV: header lacks " + missing);
  ParsedListenerMood out;
  while (reader.Next(&fields, &line, &err)) {
    ++out.rows;
    auto bad = [&](std::string m) { out.errors.push_back({line, std::move(m)}); };
    if (!err.empty()) {
      bad(err);
      continue;
    }
    if (fields.size() != header.size()) {
      bad("expected " + std::to_string(header.size()) + " fields, got " +
          std::to_string(fields.size()));
      continue;
    }
    ListenerTrack t;
    t.deezer_id = std::string(TrimView(fields[c_id]));
    t.artist = std::string(TrimView(fields[c_artist]));
    t.title = std::string(TrimView(fields[c_title]));
    if (t.deezer_id.empty() || !std::all_of(t.deezer_id.begin(), t.deezer_id.end(),
                                            [](char c) { return c >= '0' && c <= '9'; })) {
      bad("dzr_sng_id '" + t.deezer_id + "' is not a Deezer id");
      continue;
    }
    if (t.artist.empty() || t.title.empty()) {
      bad("empty artist or title");
      continue;
    }
    if (!ParseFloat(fields[c_v], &t.valence) || !ParseFloat(fields[c_a], &t.arousal)) {
      bad("valence/arousal '" + fields[c_v] + "', '" + fields[c_a] + "' are not numbers");
      continue;
    }
    out.tracks.push_back(std::move(t));
  }
  return out;
}

std::string MatchKey(std::string_view artist, std::string_view title) {
  std::string a = ToLower(TrimView(artist));
  if (a.starts_with("the ")) a.erase(0, 4);
  std::string t = ToLower(TrimView(title));
  size_t cut = t.size();
  for (std::string_view sep : {" (", " [", " - ", " feat"}) cut = std::min(cut, t.find(sep));
  t.resize(cut);
  return Squash(a) + "|" + Squash(t);
}

double Pearson(std::span<const double> x, std::span<const double> y) {
  const size_t n = std::min(x.size(), y.size());
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0 || syy <= 0) return std::numeric_limits<double>::quiet_NaN();
  return sxy / std::sqrt(sxx * syy);
}

Result<AxisFit> FitAxis(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) return Status::InvalidArgument("fit: x and y differ in length");
  const size_t n = x.size();
  if (n < 3)
    return Status::InvalidArgument("fit needs at least 3 shared tracks, got " + std::to_string(n));
  const double r = Pearson(x, y);
  if (std::isnan(r)) return Status::InvalidArgument("fit: no spread in the shared values");
  double mx = 0, my = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  AxisFit f;
  f.n = static_cast<int>(n);
  f.r = r;
  f.slope = (r < 0 ? -1.0 : 1.0) * std::sqrt(syy / sxx);
  f.intercept = my - f.slope * mx;
  return f;
}

MoodPoint Calibration::Apply(float v, float a) const {
  return {Clamp01(valence.Apply(v)), Clamp01(energy.Apply(a))};
}

std::vector<SharedTrack> MatchShared(std::span<const Track> catalogue,
                                     std::span<const ListenerTrack> listener) {
  std::unordered_map<std::string, std::size_t> by_key;
  by_key.reserve(listener.size());
  for (std::size_t i = 0; i < listener.size(); ++i)
    by_key.emplace(MatchKey(listener[i].artist, listener[i].title), i);
  std::vector<SharedTrack> out;
  for (std::size_t i = 0; i < catalogue.size(); ++i) {
    const Track& t = catalogue[i];
    if (t.artists.empty()) continue;
    if (auto it = by_key.find(MatchKey(t.artists.front(), t.title)); it != by_key.end())
      out.push_back({i, it->second});
  }
  return out;
}

Result<Calibration> FitCalibration(std::span<const Track> catalogue,
                                   std::span<const ListenerTrack> listener,
                                   std::span<const SharedTrack> shared) {
  std::vector<double> lv, la, cv, ce;
  for (const SharedTrack& s : shared) {
    lv.push_back(listener[s.listener_index].valence);
    la.push_back(listener[s.listener_index].arousal);
    cv.push_back(catalogue[s.catalogue_index].valence);
    ce.push_back(catalogue[s.catalogue_index].energy);
  }
  Calibration c;
  auto v = FitAxis(lv, cv);
  if (!v.ok()) return Status::InvalidArgument("valence " + v.status().message());
  auto e = FitAxis(la, ce);
  if (!e.ok()) return Status::InvalidArgument("energy " + e.status().message());
  c.valence = *v;
  c.energy = *e;
  return c;
}

std::vector<Track> ListenerCatalogue(std::span<const ListenerTrack> listener, const Calibration& c,
                                     std::string_view source) {
  std::vector<Track> out;
  out.reserve(listener.size());
  for (const ListenerTrack& l : listener) {
    Track t;
    t.title = l.title;
    t.artists = {l.artist};
    const MoodPoint p = c.Apply(l.valence, l.arousal);
    t.valence = p.valence;
    t.energy = p.energy;
    t.deezer_id = l.deezer_id;
    t.deezer_url = DeezerTrackUrl(l.deezer_id);
    t.spotify_url = SpotifySearchUrl(l.title, l.artist);
    t.source = std::string(source);
    out.push_back(std::move(t));
  }
  return out;
}

RecheckReport Recheck(std::span<const Track> catalogue, std::span<const ListenerTrack> listener,
                      std::span<const SharedTrack> shared, const Calibration& c) {
  RecheckReport r;
  std::vector<double> lv, la, sv, se, av, ae;
  double sum = 0;
  for (const SharedTrack& s : shared) {
    const Track& t = catalogue[s.catalogue_index];
    const ListenerTrack& l = listener[s.listener_index];
    RecheckRow row;
    row.catalogue_index = s.catalogue_index;
    row.stored = {t.valence, t.energy};
    row.listener = c.Apply(l.valence, l.arousal);
    row.deezer_id = l.deezer_id;
    row.disagreement = Distance(row.stored, row.listener);
    sum += row.disagreement;
    lv.push_back(l.valence);
    la.push_back(l.arousal);
    sv.push_back(t.valence);
    se.push_back(t.energy);
    av.push_back(row.listener.valence);
    ae.push_back(row.listener.energy);
    r.rows.push_back(std::move(row));
  }
  std::stable_sort(r.rows.begin(), r.rows.end(), [](const RecheckRow& a, const RecheckRow& b) {
    return a.disagreement > b.disagreement;
  });
  r.r_valence_before = Pearson(lv, sv);
  r.r_energy_before = Pearson(la, se);
  r.r_valence_after = Pearson(lv, av);
  r.r_energy_after = Pearson(la, ae);
  r.mean_disagreement_before = shared.empty() ? 0 : sum / static_cast<double>(shared.size());
  return r;
}

}  // namespace moodtune::music
