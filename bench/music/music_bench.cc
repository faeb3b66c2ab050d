// Music figures from issue 4: a recommendation over a generated 100,000-track catalogue
// (target <= 5 ms median, single thread) and an import of 100,000 CSV rows (target <= 3 s).
// Run: build-music/bench/music/music_bench --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "moodtune/music/catalogue.h"
#include "moodtune/music/importer.h"
#include "moodtune/music/recommender.h"

namespace moodtune::music {
namespace {
constexpr int kTracks = 100'000;
const char* kGenres[] = {"gospel", "afrobeats", "highlife", "hip-hop", "r&b",  "pop",
                         "rock",   "country",   "jazz",     "classical", "electronic",
                         "reggae", "latin",     "k-pop",    "soul",     "folk"};

// Fixed seed: every run scores the same catalogue.
std::vector<Track> Generated() {
  std::mt19937 rng(2024);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<Track> out(kTracks);
  for (int i = 0; i < kTracks; ++i) {
    Track& t = out[i];
    t.id = i + 1;
    t.title = "Track " + std::to_string(i);
    t.artists = {"Artist " + std::to_string(i % 20'000)};
    t.genre = kGenres[i % std::size(kGenres)];
    t.valence = u(rng);
    t.energy = u(rng);
    t.moods = {"tag"};
  }
  return out;
}

const std::vector<Track>& Catalogue100k() {
  static const std::vector<Track> tracks = Generated();
  return tracks;
}

void BM_Recommend(benchmark::State& state, RecommendOptions o, bool with_history) {
  const auto& cat = Catalogue100k();
  ListenerHistory h;
  if (with_history) {
    for (int i = 1; i <= 20; ++i) h.recent_track_ids.insert(i * 97);
    for (int i = 1; i <= 50; ++i) h.by_track[i * 31].likes = 1;
    for (int i = 1; i <= 50; ++i) h.by_track[i * 37].skips = 2;
    for (int i = 0; i < 10; ++i) h.by_artist["artist " + std::to_string(i)] = i % 2 ? 2 : -2;
  }
  const EmotionProbs probs = {0.05f, 0.02f, 0.03f, 0.05f, 0.6f, 0.05f, 0.2f};
  std::uint64_t seed = 1;
  for (auto _ : state) {
    o.seed = seed++;
    auto r = Recommend(cat, probs, h, o);
    if (!r.ok() || r->size() != static_cast<size_t>(o.n)) state.SkipWithError("bad result");
    benchmark::DoNotOptimize(r);
  }
  state.counters["tracks"] = kTracks;
}

RecommendOptions WithStrategy(Strategy s) {
  RecommendOptions o;
  o.strategy = s;
  return o;
}
RecommendOptions WithGenre() {
  RecommendOptions o;
  o.include_genres = {"gospel"};
  return o;
}

BENCHMARK_CAPTURE(BM_Recommend, match_defaults, RecommendOptions{}, false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Recommend, uplift, WithStrategy(Strategy::kUplift), false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Recommend, genre_gospel, WithGenre(), false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Recommend, with_history, RecommendOptions{}, true)
    ->Unit(benchmark::kMillisecond);

// Whole import path: read file, parse CSV, insert in one transaction.
const std::string& CsvFile() {
  static const std::string path = [] {
    const auto p = std::filesystem::temp_directory_path() / "moodtune_bench_100k.csv";
    std::ofstream f(p);
    f << "title,artists,genre,valence,energy,moods,year\n";
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (int i = 0; i < kTracks; ++i)
      f << "\"Song " << i << ", take 1\",Artist " << i % 20'000 << ';' << "Guest " << i % 7
        << ',' << kGenres[i % std::size(kGenres)] << ',' << u(rng) << ',' << u(rng)
        << ",calm;warm," << 1960 + i % 60 << '\n';
    return p.string();
  }();
  return path;
}

void BM_Import(benchmark::State& state, bool on_disk) {
  const std::string& csv = CsvFile();
  const auto db = std::filesystem::temp_directory_path() / "moodtune_bench_import.db";
  for (auto _ : state) {
    state.PauseTiming();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + ext);
    CatalogueOptions co;
    co.load_default_catalogue = false;
    if (on_disk) co.path = db.string();
    auto cat = Catalogue::Open(co);
    state.ResumeTiming();
    auto r = ImportFile(**cat, csv, {});
    if (!r.ok() || r->added.inserted != kTracks) state.SkipWithError("import failed");
  }
  state.counters["rows"] = kTracks;
}
BENCHMARK_CAPTURE(BM_Import, memory_db, false)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_Import, file_db_wal, true)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace moodtune::music

BENCHMARK_MAIN();
