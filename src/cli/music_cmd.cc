// `moodtune recommend`, `moodtune catalog import|stats`, `moodtune feedback`: the music side.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "moodtune/emotion.h"
#include "moodtune/music/catalogue.h"
#include "moodtune/music/history_store.h"
#include "moodtune/music/importer.h"
#include "moodtune/music/paths.h"
#include "moodtune/music/playlist_import.h"
#include "moodtune/music/previews.h"
#include "moodtune/music/provider_config.h"
#include "moodtune/music/recommender.h"

namespace moodtune::cli {
namespace {
using namespace moodtune::music;
using nlohmann::json;

std::int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string DbHelp() {
  return "SQLite catalogue (created on first use; env MOODTUNE_DB overrides the default)";
}

const char* Env(const char* name) { return std::getenv(name); }

// Provider events go to stderr only with --verbose; they never carry secrets.
LogFn StderrLog(bool verbose) {
  if (!verbose) return {};
  return [](std::string_view m) { std::cerr << "moodtune: " << m << "\n"; };
}

Result<std::unique_ptr<Catalogue>> OpenDb(const std::string& path) {
  CatalogueOptions o;
  o.path = path;
  return Catalogue::Open(o);
}

std::string DatabaseUrlHelp() {
  return "PostgreSQL URL for listener history and feedback, shared with `moodtune serve` "
         "replicas (env MOODTUNE_DATABASE_URL; empty = the --db file)";
}

// History in PostgreSQL when `url` is set, else in the catalogue file (the store then owns
// `cat`; with a URL, `cat` is left to the caller).
Result<std::unique_ptr<HistoryStore>> OpenHistory(const std::string& url,
                                                  std::unique_ptr<Catalogue>& cat) {
  if (url.empty()) return NewSqliteHistoryStore(std::move(cat));
  HistoryStoreOptions o;
  o.database_url = url;
  return NewPostgresHistoryStore(o);
}

// Accepts [p_angry, ..., p_neutral] in the model's order or {"sad": 0.4, "neutral": 0.6}.
Result<EmotionProbs> ParseProbabilities(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument("--probabilities is not valid JSON");
  EmotionProbs p{};
  if (j.is_array()) {
    if (j.size() != kNumEmotions)
      return Status::InvalidArgument(
          "--probabilities array needs 7 numbers (angry, disgust, "
          "fear, happy, sad, surprise, neutral)");
    for (int i = 0; i < kNumEmotions; ++i) {
      if (!j[i].is_number()) return Status::InvalidArgument("--probabilities: not a number");
      p[i] = j[i].get<float>();
    }
    return p;
  }
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      auto e = ParseEmotion(k);
      if (!e || !v.is_number())
        return Status::InvalidArgument("--probabilities: bad entry '" + k + "'");
      p[static_cast<int>(*e)] = v.get<float>();
    }
    return p;
  }
  return Status::InvalidArgument("--probabilities must be an array or an object");
}

struct RecommendArgs {
  std::string db;
  std::string database_url;
  std::string emotion;
  std::string probabilities;
  std::string strategy = std::string(StrategyName(RecommendOptions{}.strategy));
  std::string listener;
  std::int64_t seed = -1;  // < 0: unseeded
  bool json = false;
  bool no_record = false;
  bool verbose = false;
  std::string provider = "catalogue";  // catalogue|spotify|deezer
  std::string config;                  // provider config file
  RecommendOptions opts;
};

int RunRecommend(RecommendArgs& a) {
  EmotionProbs probs{};
  if (!a.probabilities.empty() && !a.emotion.empty()) {
    std::cerr << "recommend: give --emotion or --probabilities, not both\n";
    return 2;
  }
  if (!a.probabilities.empty()) {
    auto p = ParseProbabilities(a.probabilities);
    if (!p.ok()) return std::cerr << "recommend: " << p.status().message() << "\n", 2;
    probs = *p;
  } else if (!a.emotion.empty()) {
    auto e = ParseEmotion(a.emotion);
    if (!e) {
      std::cerr << "recommend: unknown emotion '" << a.emotion << "'; one of:";
      for (int i = 0; i < kNumEmotions; ++i) std::cerr << " " << EmotionName(Emotion(i));
      std::cerr << "\n";
      return 2;
    }
    probs = OneHot(*e);
  } else {
    std::cerr << "recommend: give --emotion or --probabilities\n";
    return 2;
  }
  auto strategy = ParseStrategy(a.strategy);
  if (!strategy.ok()) return std::cerr << "recommend: " << strategy.status().message() << "\n", 2;
  a.opts.strategy = *strategy;
  if (a.seed >= 0) a.opts.seed = static_cast<std::uint64_t>(a.seed);

  auto cat = OpenDb(a.db);
  if (!cat.ok()) return std::cerr << "recommend: " << cat.status().ToString() << "\n", 1;
  auto tracks = (*cat)->AllTracks();
  if (!tracks.ok()) return std::cerr << "recommend: " << tracks.status().ToString() << "\n", 1;
  ListenerHistory history;
  std::unique_ptr<HistoryStore> store;
  if (!a.listener.empty()) {
    auto opened = OpenHistory(a.database_url, *cat);
    if (!opened.ok()) return std::cerr << "recommend: " << opened.status().ToString() << "\n", 1;
    store = std::move(*opened);
    auto h = LoadHistory(*store, a.listener, CatalogueOptions{}.recent_plays, *tracks);
    // As the server does: an unreachable history database costs the personalisation only.
    if (h.ok())
      history = std::move(*h);
    else if (h.status().IsUnavailable())
      std::cerr << "recommend: listener history unavailable, answering without it: "
                << h.status().message() << "\n";
    else
      return std::cerr << "recommend: " << h.status().ToString() << "\n", 1;
  }
  // Offline always works: without --provider no config is read and no network is used;
  // with one, any problem (config, network, API) ends in a catalogue list and the reason.
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<Provider> provider;
  std::string setup_error;
  LiveOptions live;
  PreviewOptions previews;
  if (a.provider != "catalogue" && a.provider != "catalog") {
    if (a.provider != "spotify" && a.provider != "deezer")
      return std::cerr << "recommend: --provider must be catalogue, spotify or deezer\n", 2;
    auto cfg = LoadProviderConfig(a.config, Env);
    if (cfg.ok()) {
      live = cfg->live;
      previews.api_base = cfg->deezer.api_base;
      http = MakeHttpClient();
      auto p = MakeProvider(a.provider, *cfg, *http, SystemClock(), StderrLog(a.verbose));
      if (p.ok())
        provider = std::move(*p);
      else
        setup_error = p.status().ToString();
    } else {
      setup_error = cfg.status().ToString();
    }
  }
  ProviderCache cache;  // one process, one call: the server keeps a long-lived cache
  auto live_recs = RecommendLive(provider.get(), &cache, SystemClock(), *tracks, probs, history,
                                 a.opts, live, StderrLog(a.verbose));
  if (!live_recs.ok()) return std::cerr << "recommend: " << live_recs.status().message() << "\n", 2;
  ProviderReport report = live_recs->report;
  if (!setup_error.empty()) {
    report.requested = a.provider;
    report.fallback_reason = setup_error;
  }
  std::vector<Recommendation>* recs = &live_recs->picks;
  // Issue 15: Deezer's preview links expire, so they are fetched now, through the provider's
  // network when one is set up; without one each Deezer track says why it has none.
  std::vector<Track> shown;
  for (const auto& r : *recs) shown.push_back(r.track);
  const std::vector<std::string> preview_reasons =
      RefreshPreviews(shown, provider ? http.get() : nullptr, SystemClock(), previews);
  for (size_t k = 0; k < shown.size(); ++k) (*recs)[k].track.preview_url = shown[k].preview_url;
  std::vector<MusicWarning> warnings;
  if (auto w = GenreFilterWarning(*tracks, a.opts.include_genres)) warnings.push_back(*w);
  if (!a.listener.empty() && !a.no_record) {
    std::vector<std::int64_t> ids;
    for (const auto& r : *recs)
      if (r.track.id != 0) ids.push_back(r.track.id);  // 0: provider track not in the catalogue
    Status s = store->RecordPlays(a.listener, ids, NowUnix());
    if (s.IsUnavailable())
      std::cerr << "recommend: plays not recorded: " << s.message() << "\n";
    else if (!s.ok())
      return std::cerr << "recommend: " << s.ToString() << "\n", 1;
  }
  const MoodPoint mood = ProbsToMoodPoint(probs);
  if (a.json) {
    json out = {{"emotion", std::string(EmotionName(TopEmotion(probs)))},
                {"probabilities", probs},
                {"mood", {{"valence", mood.valence}, {"energy", mood.energy}}},
                {"strategy", std::string(StrategyName(a.opts.strategy))},
                {"provider",
                 {{"requested", report.requested},
                  {"used", report.used},
                  {"fallback_reason", report.fallback_reason},
                  {"cached", report.cached},
                  {"provider_tracks", report.provider_tracks}}},
                {"warnings", json::array()},
                {"tracks", json::array()}};
    for (const auto& w : warnings)
      out["warnings"].push_back({{"code", w.code}, {"message", w.message}});
    for (size_t k = 0; k < recs->size(); ++k) {
      const Recommendation& r = (*recs)[k];
      const Track& t = r.track;
      out["tracks"].push_back(
          {{"id", t.id},
           {"title", t.title},
           {"artists", t.artists},
           {"genre", t.genre},
           {"valence", t.valence},
           {"energy", t.energy},
           {"moods", t.moods},
           {"spotify_url", t.spotify_url},
           {"deezer_url", t.deezer_url},
           {"preview_url", t.preview_url},
           {"preview_reason", preview_reasons[k]},
           {"spotify_id", t.spotify_id},
           {"deezer_id", t.deezer_id},
           {"source", t.source},
           {"reason",
            {{"target", {{"valence", r.reason.target.valence}, {"energy", r.reason.target.energy}}},
             {"distance", r.reason.distance},
             {"score", r.reason.score},
             {"genre_match", r.reason.genre_match},
             {"likes", r.reason.likes},
             {"skips", r.reason.skips},
             {"text", r.reason.text}}}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("Mood: valence %.2f, energy %.2f (top emotion %s), strategy %s\n", mood.valence,
              mood.energy, std::string(EmotionName(TopEmotion(probs))).c_str(),
              std::string(StrategyName(a.opts.strategy)).c_str());
  if (report.requested != "catalogue" || !report.fallback_reason.empty())
    std::printf(
        "Source: %s%s%s%s\n", report.used.c_str(), report.cached ? " (cached)" : "",
        report.fallback_reason.empty() ? "" : "; fallback: ", report.fallback_reason.c_str());
  for (const auto& w : warnings) std::fprintf(stderr, "recommend: warning: %s\n", w.message.c_str());
  if (recs->empty()) {
    // Issue 13: say which genres exist, and fail (exit 1) rather than print an empty list.
    std::fprintf(stderr, "recommend: no tracks match these filters; the catalogue's genres: %s\n",
                 JoinArtists(GenresOf(*tracks)).c_str());
    return 1;
  }
  int i = 0;
  for (const auto& r : *recs) {
    const Track& t = r.track;
    const std::string& no_preview = preview_reasons[i];
    std::printf("%d. %s - %s  [%s] (%s)\n   why: %s\n   %s\n", ++i, t.title.c_str(),
                JoinArtists(t.artists).c_str(), t.genre.empty() ? "genre unknown" : t.genre.c_str(),
                t.id ? ("id " + std::to_string(t.id)).c_str() : t.source.c_str(),
                r.reason.text.c_str(),
                (t.source.starts_with("deezer") ? t.deezer_url : t.spotify_url).c_str());
    if (!t.preview_url.empty()) std::printf("   preview: %s\n", t.preview_url.c_str());
    else if (!t.deezer_id.empty()) std::printf("   preview: none (%s)\n", no_preview.c_str());
  }
  return 0;
}

struct ImportArgs {
  std::string db;
  std::vector<std::string> files;
  std::string format = "auto";
  std::vector<std::string> maps;
  ImportOptions opts;
  std::string from;                 // spotify|deezer: how to read a bare playlist id
  std::string emotion = "neutral";  // playlist tracks' valence/energy estimate
  std::string config;
  bool verbose = false;
};

// A Spotify/Deezer playlist (URL, URI or id) instead of a file.
int RunPlaylistImport(ImportArgs& a, const PlaylistRef& ref) {
  PlaylistImportOptions po;
  auto e = ParseEmotion(a.emotion);
  if (!e) return std::cerr << "catalog import: unknown emotion '" << a.emotion << "'\n", 2;
  po.mood = *e;
  po.genre = a.opts.default_genre;
  auto cfg = LoadProviderConfig(a.config, Env);
  if (!cfg.ok()) return std::cerr << "catalog import: " << cfg.status().ToString() << "\n", 1;
  auto http = MakeHttpClient();
  auto provider = MakeProvider(ref.provider, *cfg, *http, SystemClock(), StderrLog(a.verbose));
  if (!provider.ok())
    return std::cerr << "catalog import: " << provider.status().ToString() << "\n", 1;
  auto cat = OpenDb(a.db);
  if (!cat.ok()) return std::cerr << "catalog import: " << cat.status().ToString() << "\n", 1;
  auto r = ImportPlaylist(**cat, **provider, SystemClock(), ref, po);
  if (!r.ok()) return std::cerr << "catalog import: " << r.status().ToString() << "\n", 1;
  std::printf("%s:playlist:%s: %d tracks, %d added, %d duplicates\n", ref.provider.c_str(),
              ref.id.c_str(), r->parsed.rows, r->added.inserted, r->added.duplicates);
  return 0;
}

int RunImport(ImportArgs& a) {
  if (a.format == "deezer-mood") return RunDeezerMoodImport(a.db, a.files);
  if (a.files.size() > 1) {
    // One file at a time, each in its own transaction, as separate invocations would.
    const std::vector<std::string> files = a.files;
    for (const auto& f : files) {
      ImportArgs one = a;
      one.files = {f};
      if (int rc = RunImport(one); rc != 0) return rc;
    }
    return 0;
  }
  const std::string file = a.files.front();
  if (!std::filesystem::exists(file)) {
    if (auto ref = ParsePlaylistRef(file, a.from)) return RunPlaylistImport(a, *ref);
  }
  auto f = ParseImportFormat(a.format);
  if (!f.ok()) return std::cerr << "catalog import: " << f.status().message() << "\n", 2;
  a.opts.format = *f;
  for (const auto& m : a.maps) {
    Status s = ApplyColumnOverride(a.opts.columns, m);
    if (!s.ok()) return std::cerr << "catalog import: " << s.message() << "\n", 2;
  }
  if (a.opts.source == ImportOptions{}.source) a.opts.source = "import:" + file;
  auto cat = OpenDb(a.db);
  if (!cat.ok()) return std::cerr << "catalog import: " << cat.status().ToString() << "\n", 1;
  auto r = ImportFile(**cat, file, a.opts);
  if (!r.ok()) return std::cerr << "catalog import: " << r.status().ToString() << "\n", 1;
  for (const auto& e : r->parsed.errors)
    std::cerr << file << ":" << e.line << ": skipped: " << e.message << "\n";
  std::printf("%s: %d rows, %d added, %d duplicates, %zu skipped\n", file.c_str(), r->parsed.rows,
              r->added.inserted, r->added.duplicates, r->parsed.errors.size());
  return 0;
}

int RunStats(const std::string& db, bool as_json) {
  auto cat = OpenDb(db);
  if (!cat.ok()) return std::cerr << "catalog stats: " << cat.status().ToString() << "\n", 1;
  auto s = (*cat)->Stats();
  if (!s.ok()) return std::cerr << "catalog stats: " << s.status().ToString() << "\n", 1;
  if (as_json) {
    std::cout << json{{"database", db},          {"schema_version", s->schema_version},
                      {"tracks", s->tracks},     {"listeners", s->listeners},
                      {"plays", s->plays},       {"feedback", s->feedback},
                      {"by_genre", s->by_genre}, {"by_source", s->by_source}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::printf("database %s (schema %d)\ntracks %lld, listeners %lld, plays %lld, feedback %lld\n",
              db.c_str(), s->schema_version, static_cast<long long>(s->tracks),
              static_cast<long long>(s->listeners), static_cast<long long>(s->plays),
              static_cast<long long>(s->feedback));
  std::printf("by genre:\n");
  for (const auto& [g, n] : s->by_genre)
    std::printf("  %-12s %lld\n", g.c_str(), static_cast<long long>(n));
  std::printf("by source:\n");
  for (const auto& [src, n] : s->by_source)
    std::printf("  %-12s %lld\n", src.c_str(), static_cast<long long>(n));
  return 0;
}

struct FeedbackArgs {
  std::string db;
  std::string database_url;
  std::string listener;
  std::int64_t track = 0;
};

int RunFeedback(const FeedbackArgs& a, FeedbackKind kind) {
  auto cat = OpenDb(a.db);
  if (!cat.ok()) return std::cerr << "feedback: " << cat.status().ToString() << "\n", 1;
  // Track ids are checked against the local catalogue (PostgreSQL holds ids only).
  Status s = (*cat)->GetTrack(a.track).status();
  auto store = OpenHistory(a.database_url, *cat);
  if (s.ok()) s = store.status();
  if (s.ok()) s = (*store)->RecordFeedback(a.listener, a.track, kind, NowUnix());
  if (!s.ok()) return std::cerr << "feedback: " << s.ToString() << "\n", s.IsNotFound() ? 1 : 2;
  std::printf("recorded %s of track %lld for %s\n", std::string(FeedbackName(kind)).c_str(),
              static_cast<long long>(a.track), a.listener.c_str());
  return 0;
}

}  // namespace

void AddMusicCommands(CLI::App& app, int* exit_code) {
  const std::string default_db = DefaultDatabasePath(Env);

  const std::string default_config = DefaultConfigPath(Env);
  auto ra = std::make_shared<RecommendArgs>();
  ra->db = default_db;
  const char* env_url = Env("MOODTUNE_DATABASE_URL");
  const std::string default_url = env_url ? env_url : "";
  ra->database_url = default_url;
  ra->config = default_config;
  auto* rec = app.add_subcommand("recommend", "Recommend tracks for an emotion, with reasons");
  rec->add_option("--db", ra->db, DbHelp())->capture_default_str();
  rec->add_option("--emotion", ra->emotion, "angry|disgust|fear|happy|sad|surprise|neutral");
  rec->add_option("--probabilities", ra->probabilities,
                  "JSON: 7 numbers in model order, or {\"sad\":0.4,\"neutral\":0.6}");
  rec->add_option("--n", ra->opts.n, "Number of tracks")->capture_default_str();
  rec->add_option("--strategy", ra->strategy, "match|uplift|calm")->capture_default_str();
  rec->add_option("--genre", ra->opts.include_genres,
                  "Only these genres (repeatable or comma-separated)")
      ->delimiter(',');
  rec->add_option("--exclude-genre", ra->opts.exclude_genres,
                  "Never these genres (repeatable or comma-separated)")
      ->delimiter(',');
  // No capture_default_str: the URL may hold a password and --help must not print it.
  rec->add_option("--database-url", ra->database_url, DatabaseUrlHelp());
  rec->add_option("--listener", ra->listener,
                  "Listener id: excludes recent plays, applies like/skip feedback, records plays");
  rec->add_option("--seed", ra->seed, "Fixed seed for a reproducible list (-1 = random)")
      ->capture_default_str();
  rec->add_option("--diversity", ra->opts.diversity, "Penalty per earlier pick of the same genre")
      ->capture_default_str();
  rec->add_option("--jitter", ra->opts.jitter, "Random score noise so lists vary")
      ->capture_default_str();
  rec->add_flag("--no-record", ra->no_record, "Do not record the list as plays of --listener");
  rec->add_flag("--json", ra->json, "Print JSON");
  rec->add_option("--provider", ra->provider,
                  "catalogue (offline) | spotify | deezer; falls back to the catalogue on any "
                  "provider failure")
      ->capture_default_str();
  rec->add_option("--config", ra->config, "Provider config file (env MOODTUNE_CONFIG)")
      ->capture_default_str();
  rec->add_flag("--verbose", ra->verbose, "Log provider events (never secrets) to stderr");
  rec->callback([ra, exit_code] { *exit_code = RunRecommend(*ra); });

  auto* catalog = app.add_subcommand("catalog", "Manage the music catalogue");
  catalog->require_subcommand(1);
  auto ia = std::make_shared<ImportArgs>();
  ia->db = default_db;
  ia->config = default_config;
  auto* imp = catalog->add_subcommand(
      "import",
      "Import tracks from CSV, MuSe CSV, JSON, the Deezer mood dataset, or a Spotify/Deezer "
      "playlist");
  imp->add_option("file", ia->files,
                  "Files, or playlist: URL, spotify:playlist:ID, deezer:playlist:ID, or ID with "
                  "--from")
      ->required();
  imp->add_option("--from", ia->from, "spotify|deezer: the provider of a bare playlist id");
  imp->add_option("--emotion", ia->emotion,
                  "Playlist import: the mood whose valence/energy the tracks get")
      ->capture_default_str();
  imp->add_option("--config", ia->config, "Provider config file (env MOODTUNE_CONFIG)")
      ->capture_default_str();
  imp->add_flag("--verbose", ia->verbose, "Log provider events (never secrets) to stderr");
  imp->add_option("--db", ia->db, DbHelp())->capture_default_str();
  imp->add_option("--format", ia->format,
                  "auto|csv|muse|json|deezer-mood (the Deezer Mood Detection Dataset's CSVs: "
                  "calibrated against the embedded catalogue, genres left unknown)")
      ->capture_default_str();
  imp->add_option("--map", ia->maps, "Column mapping field=Header, e.g. --map title=Song");
  imp->add_option("--scale-min", ia->opts.scale_min, "CSV/JSON valence/energy scale minimum")
      ->capture_default_str();
  imp->add_option("--scale-max", ia->opts.scale_max, "CSV/JSON valence/energy scale maximum")
      ->capture_default_str();
  imp->add_option("--default-genre", ia->opts.default_genre, "Genre for rows without one")
      ->capture_default_str();
  imp->callback([ia, exit_code] { *exit_code = RunImport(*ia); });

  auto sdb = std::make_shared<std::string>(default_db);
  auto sjson = std::make_shared<bool>(false);
  auto* stats = catalog->add_subcommand("stats", "Summarise the catalogue");
  stats->add_option("--db", *sdb, DbHelp())->capture_default_str();
  stats->add_flag("--json", *sjson, "Print JSON");
  stats->callback([sdb, sjson, exit_code] { *exit_code = RunStats(*sdb, *sjson); });

  auto fa = std::make_shared<FeedbackArgs>();
  fa->db = default_db;
  fa->database_url = default_url;
  auto* fb = app.add_subcommand("feedback", "Record like/skip feedback for a listener");
  fb->require_subcommand(1);
  for (FeedbackKind kind : {FeedbackKind::kLike, FeedbackKind::kSkip}) {
    auto* k = fb->add_subcommand(std::string(FeedbackName(kind)),
                                 kind == FeedbackKind::kLike ? "The listener liked a track"
                                                             : "The listener skipped a track");
    k->add_option("--db", fa->db, DbHelp())->capture_default_str();
    k->add_option("--database-url", fa->database_url, DatabaseUrlHelp());
    k->add_option("--listener", fa->listener, "Listener id")->required();
    k->add_option("--track", fa->track, "Track id (shown by recommend)")->required();
    k->callback([fa, kind, exit_code] { *exit_code = RunFeedback(*fa, kind); });
  }
}

}  // namespace moodtune::cli
