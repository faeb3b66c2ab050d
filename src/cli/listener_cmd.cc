// Listener mood coordinates (issue 15): `catalog import --format deezer-mood`,
// `catalog recheck` and `recommend-eval`. Flag parsing and printing only; the work is in
// moodtune/music/listener_import.h, listener_mood.h and recommend_eval.h.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "commands.h"
#include "moodtune/emotion.h"
#include "moodtune/music/catalogue.h"
#include "moodtune/music/listener_import.h"
#include "moodtune/music/paths.h"
#include "moodtune/music/recommend_eval.h"

namespace moodtune::cli {
using namespace moodtune::music;

namespace {

Result<std::unique_ptr<Catalogue>> OpenDb(const std::string& path) {
  CatalogueOptions o;
  o.path = path;
  return Catalogue::Open(o);
}

void PrintFit(const Calibration& c) {
  std::printf(
      "calibration against the embedded catalogue (reduced major axis, %d shared tracks):\n",
      c.valence.n);
  std::printf("  valence = %.4f * listener valence + %.4f  (r = %.3f)\n", c.valence.slope,
              c.valence.intercept, c.valence.r);
  std::printf("  energy  = %.4f * listener arousal + %.4f  (r = %.3f)\n", c.energy.slope,
              c.energy.intercept, c.energy.r);
}

// Reads the files, printing bad rows to stderr; nullopt (after printing why) on failure.
std::optional<ListenerRows> ReadRows(const char* cmd, const std::vector<std::string>& files) {
  auto rows = ReadDeezerMoodFiles(files);
  if (!rows.ok()) {
    std::cerr << cmd << ": " << rows.status().ToString() << "\n";
    return std::nullopt;
  }
  for (const auto& p : rows->problems) std::cerr << p << ": skipped\n";
  return std::move(*rows);
}

struct RecheckArgs {
  std::string db;
  std::vector<std::string> files;
  int top = 15;
  bool apply = false;
};

int RunRecheck(const RecheckArgs& a) {
  auto rows = ReadRows("catalog recheck", a.files);
  if (!rows) return 1;
  auto cal = CalibrateAgainstEmbedded(rows->tracks);
  if (!cal.ok()) return std::cerr << "catalog recheck: " << cal.status().message() << "\n", 1;
  auto cat = OpenDb(a.db);
  if (!cat.ok()) return std::cerr << "catalog recheck: " << cat.status().ToString() << "\n", 1;
  auto all = (*cat)->AllTracks();
  if (!all.ok()) return std::cerr << "catalog recheck: " << all.status().ToString() << "\n", 1;
  std::vector<Track> embedded;
  for (auto& t : *all)
    if (t.source == "default") embedded.push_back(std::move(t));
  const auto shared = MatchShared(embedded, rows->tracks);
  const RecheckReport r = Recheck(embedded, rows->tracks, shared, *cal);
  PrintFit(*cal);
  std::printf("%zu of %zu stored embedded tracks have listener coordinates\n", shared.size(),
              embedded.size());
  std::printf("Pearson r against the listener coordinates (valence; energy vs arousal):\n");
  std::printf("  stored values:    %.3f; %.3f  (mean distance to the calibrated point %.3f)\n",
              r.r_valence_before, r.r_energy_before, r.mean_disagreement_before);
  std::printf("  after correction: %.3f; %.3f\n", r.r_valence_after, r.r_energy_after);
  std::printf("largest disagreements (stored -> listener, valence/energy):\n");
  for (int i = 0; i < a.top && i < static_cast<int>(r.rows.size()); ++i) {
    const RecheckRow& row = r.rows[i];
    const Track& t = embedded[row.catalogue_index];
    std::printf("  %.3f  id %-5lld %s - %s  (%.2f, %.2f) -> (%.2f, %.2f)\n", row.disagreement,
                static_cast<long long>(t.id), t.title.c_str(), JoinArtists(t.artists).c_str(),
                row.stored.valence, row.stored.energy, row.listener.valence, row.listener.energy);
  }
  if (!a.apply) {
    std::printf("(dry run: --apply stores the listener values and Deezer ids)\n");
    return 0;
  }
  std::vector<MoodUpdate> updates;
  for (const RecheckRow& row : r.rows)
    updates.push_back({embedded[row.catalogue_index].id, row.listener.valence, row.listener.energy,
                       row.deezer_id});
  Status s = (*cat)->SetMoods(updates);
  if (!s.ok()) return std::cerr << "catalog recheck: " << s.ToString() << "\n", 1;
  std::printf("corrected %zu tracks in %s\n", updates.size(), a.db.c_str());
  return 0;
}

struct EvalArgs {
  std::string db;
  std::vector<std::string> files;
  EvalOptions opts;
  std::int64_t seed = static_cast<std::int64_t>(EvalOptions{}.seed);  // CLI11 wants signed
};

int RunRecommendEval(EvalArgs& a) {
  auto rows = ReadRows("recommend-eval", a.files);
  if (!rows) return 1;
  auto cal = CalibrateAgainstEmbedded(rows->tracks);
  if (!cal.ok()) return std::cerr << "recommend-eval: " << cal.status().message() << "\n", 1;
  auto cat = OpenDb(a.db);
  if (!cat.ok()) return std::cerr << "recommend-eval: " << cat.status().ToString() << "\n", 1;
  auto all = (*cat)->AllTracks();
  if (!all.ok()) return std::cerr << "recommend-eval: " << all.status().ToString() << "\n", 1;
  const GroundTruth gt = WithListenerTruth(*all, rows->tracks, *cal);
  if (a.seed < 0) return std::cerr << "recommend-eval: --seed must be >= 0\n", 2;
  a.opts.seed = static_cast<std::uint64_t>(a.seed);
  auto cells = EvaluateRecommendations(gt.tracks, gt.truth, a.opts);
  if (!cells.ok()) return std::cerr << "recommend-eval: " << cells.status().message() << "\n", 1;
  std::printf(
      "catalogue: %zu of %zu stored tracks have listener coordinates (the ground truth); "
      "%d trials, seed %lld, n %d\n",
      gt.tracks.size(), all->size(), a.opts.trials, static_cast<long long>(a.seed),
      a.opts.recommend.n);
  std::printf("mean distance to the strategy's target / share in its quadrant\n\n");
  std::printf("| emotion | strategy | recommender | random-1 | bucket-5 |\n");
  std::printf("|---|---|---|---|---|\n");
  std::map<EvalMethod, std::pair<double, double>> total;
  int rows_out = 0;
  for (size_t i = 0; i + 2 < cells->size(); i += 3) {
    const EvalCell* c = &(*cells)[i];
    std::printf("| %s | %s |", std::string(EmotionName(c->emotion)).c_str(),
                std::string(StrategyName(c->strategy)).c_str());
    for (int k = 0; k < 3; ++k) {
      std::printf(" %.3f / %.0f%% |", c[k].mean_distance, 100 * c[k].in_quadrant);
      total[c[k].method].first += c[k].mean_distance;
      total[c[k].method].second += c[k].in_quadrant;
    }
    std::printf("\n");
    ++rows_out;
  }
  std::printf("| **mean** | all |");
  for (EvalMethod m : {EvalMethod::kRecommender, EvalMethod::kRandomOne, EvalMethod::kBucketFive})
    std::printf(" %.3f / %.0f%% |", total[m].first / rows_out, 100 * total[m].second / rows_out);
  std::printf("\n");
  return 0;
}

}  // namespace

int RunDeezerMoodImport(const std::string& db, const std::vector<std::string>& files) {
  const auto start = std::chrono::steady_clock::now();
  auto rows = ReadRows("catalog import", files);
  if (!rows) return 1;
  auto cat = OpenDb(db);
  if (!cat.ok()) return std::cerr << "catalog import: " << cat.status().ToString() << "\n", 1;
  auto r = ImportDeezerMood(**cat, rows->tracks);
  if (!r.ok()) return std::cerr << "catalog import: " << r.status().ToString() << "\n", 1;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "deezer-mood: %d rows in %zu files, %d added, %d duplicates, %d already stored "
      "(see `catalog recheck`), %zu skipped, %.2f s\n",
      rows->rows, files.size(), r->added.inserted, r->added.duplicates, r->already_stored,
      rows->problems.size(), seconds);
  PrintFit(r->calibration);
  std::printf(
      "genres: unknown (the dataset has none); genre-filtered recommendations leave these "
      "tracks out and say so\n");
  return 0;
}

void AddListenerMoodCommands(CLI::App& app, int* exit_code) {
  const std::string default_db = DefaultDatabasePath(std::getenv);
  CLI::App* catalog = app.get_subcommand("catalog");

  auto ra = std::make_shared<RecheckArgs>();
  ra->db = default_db;
  auto* re = catalog->add_subcommand(
      "recheck", "Compare the embedded catalogue's hand values with listener coordinates");
  re->add_option("--deezer-mood", ra->files, "The Deezer mood dataset's CSV files")->required();
  re->add_option("--db", ra->db, "SQLite catalogue")->capture_default_str();
  re->add_option("--top", ra->top, "List this many largest disagreements")->capture_default_str();
  re->add_flag("--apply", ra->apply,
               "Store the calibrated listener values (and Deezer ids) on the shared tracks");
  re->callback([ra, exit_code] { *exit_code = RunRecheck(*ra); });

  auto ea = std::make_shared<EvalArgs>();
  ea->db = default_db;
  auto* ev = app.add_subcommand(
      "recommend-eval",
      "Measure how recommendations fit each emotion against listener coordinates");
  ev->add_option("--deezer-mood", ea->files, "The Deezer mood dataset's CSV files (ground truth)")
      ->required();
  ev->add_option("--db", ea->db, "SQLite catalogue to recommend from")->capture_default_str();
  ev->add_option("--trials", ea->opts.trials, "Lists or draws per cell")->capture_default_str();
  ev->add_option("--seed", ea->seed, "First trial's seed")->capture_default_str();
  ev->add_option("--n", ea->opts.recommend.n, "List length")->capture_default_str();
  ev->callback([ea, exit_code] { *exit_code = RunRecommendEval(*ea); });
}

}  // namespace moodtune::cli
