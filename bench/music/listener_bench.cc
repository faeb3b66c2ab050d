// Issue 15 figures on the real Deezer Mood Detection Dataset (all 18,644 rows of the user's
// copy in $MOODTUNE_DATA_DIR/deezer-mood, default ../shared/data beside the source tree):
// a recommendation over the embedded catalogue plus the imported tracks (target <= 2 ms
// median) and the whole import: read 3 CSVs, calibrate, insert (target <= 1 s).
// Run: build/bench/music/listener_bench --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "moodtune/music/catalogue.h"
#include "moodtune/music/listener_import.h"
#include "moodtune/music/recommender.h"

namespace moodtune::music {
namespace {

std::vector<std::string> Files() {
  const char* d = std::getenv("MOODTUNE_DATA_DIR");
  const std::filesystem::path dir =
      std::filesystem::path(d && *d ? d : MOODTUNE_SOURCE_DIR "/../shared/data") / "deezer-mood";
  return {(dir / "train.csv").string(), (dir / "validation.csv").string(),
          (dir / "test.csv").string()};
}

// What `catalog import --format deezer-mood` leaves in a fresh database, in id order.
const std::vector<Track>* Imported() {
  static const std::optional<std::vector<Track>> tracks =
      []() -> std::optional<std::vector<Track>> {
    auto rows = ReadDeezerMoodFiles(Files());
    if (!rows.ok()) return std::nullopt;
    auto cat = Catalogue::Open({});
    if (!cat.ok() || !ImportDeezerMood(**cat, rows->tracks).ok()) return std::nullopt;
    auto all = (*cat)->AllTracks();
    if (!all.ok()) return std::nullopt;
    return std::move(*all);
  }();
  return tracks ? &*tracks : nullptr;
}

void BM_RecommendDeezerMood(benchmark::State& state, RecommendOptions o) {
  const auto* cat = Imported();
  if (!cat) return state.SkipWithError("deezer-mood dataset not found");
  const EmotionProbs probs = {0.05f, 0.02f, 0.03f, 0.05f, 0.6f, 0.05f, 0.2f};
  std::uint64_t seed = 1;
  for (auto _ : state) {
    o.seed = seed++;
    auto r = Recommend(*cat, probs, {}, o);
    if (!r.ok() || r->empty()) state.SkipWithError("bad result");
    benchmark::DoNotOptimize(r);
  }
  state.counters["tracks"] = static_cast<double>(cat->size());
}
RecommendOptions Jazz() {
  RecommendOptions o;
  o.include_genres = {"jazz"};
  return o;
}
BENCHMARK_CAPTURE(BM_RecommendDeezerMood, match_19215_tracks, RecommendOptions{})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RecommendDeezerMood, genre_jazz_19215_tracks, Jazz())
    ->Unit(benchmark::kMillisecond);

// Files read, parsed, calibrated and inserted into a fresh on-disk database (embedded
// catalogue seeded first, outside the timing).
void BM_ImportDeezerMood(benchmark::State& state) {
  const auto db = std::filesystem::temp_directory_path() / "moodtune_bench_deezer_mood.db";
  int added = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + ext);
    CatalogueOptions co;
    co.path = db.string();
    auto cat = Catalogue::Open(co);
    state.ResumeTiming();
    auto rows = ReadDeezerMoodFiles(Files());
    if (!rows.ok() || !cat.ok()) return state.SkipWithError("deezer-mood dataset not found");
    auto r = ImportDeezerMood(**cat, rows->tracks);
    if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
    added = r->added.inserted;
  }
  state.counters["rows_added"] = added;
}
BENCHMARK(BM_ImportDeezerMood)
    ->Name("BM_ImportDeezerMood/18644_rows_file_db")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace moodtune::music

BENCHMARK_MAIN();
