#include "moodtune/app.h"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <future>
#include <nlohmann/json.hpp>
#include <system_error>

#include "moodtune/music/catalogue.h"
#include "moodtune/music/http.h"
#include "moodtune/music/paths.h"
#include "moodtune/vision.h"

namespace moodtune {

server::AnalyzerLoader DefaultAnalyzerLoader(const server::ServerOptions& o) {
  return [o]() -> Result<std::shared_ptr<const Analyzer>> {
    AnalyzerOptions a;
    a.detector.model_path = o.face_model;
    a.classifier.model_path = o.emotion_model;
    a.classifier.backend = o.emotion_backend;
    a.detector.backend = o.face_backend;
    auto analyzer = Analyzer::Create(a);
    if (!analyzer.ok()) return analyzer.status();
    return std::shared_ptr<const Analyzer>(std::move(analyzer).value());
  };
}

server::AnalyzerLoader StartLoadingNow(server::AnalyzerLoader loader) {
  using Loaded = Result<std::shared_ptr<const Analyzer>>;
  std::shared_future<Loaded> pending;
  try {
    pending = std::async(std::launch::async, std::move(loader)).share();
  } catch (const std::system_error&) {
    pending = std::async(std::launch::deferred, std::move(loader)).share();
  }
  return [pending]() -> Loaded { return pending.get(); };
}

Result<server::ServiceParts> OpenServiceParts(const server::ServerOptions& o, const GetEnv& getenv,
                                              spdlog::logger& log) {
  server::ServiceParts parts;
  music::CatalogueOptions co;
  co.path = o.db.empty() ? music::DefaultDatabasePath(getenv) : o.db;
  parts.catalogue_path = co.path;
  auto catalogue = music::Catalogue::Open(co);
  if (!catalogue.ok()) {
    // Issue 11: a read-only or missing data directory stopped the server. Serve the embedded
    // catalogue from memory instead, say so once, and report it on /readyz.
    parts.degraded = catalogue.status().message() +
                     "; serving the embedded catalogue from memory (imports and listener "
                     "history are not kept)";
    log.warn("{{\"event\":\"degraded\",\"what\":{}}}", nlohmann::json(parts.degraded).dump());
    music::CatalogueOptions memory = co;
    memory.path = ":memory:";
    catalogue = music::Catalogue::Open(memory);
    if (!catalogue.ok()) return catalogue.status();
  }
  auto tracks = (*catalogue)->AllTracks();
  if (!tracks.ok()) return tracks.status();
  if (tracks->empty()) return Status::InvalidArgument("the catalogue " + co.path + " is empty");
  parts.tracks = std::move(tracks).value();
  // Listener history: PostgreSQL when configured (shared by replicas), else the catalogue
  // file's own tables. A dead database never stops the server: it answers without history.
  if (o.database_url.empty()) {
    parts.history = music::NewSqliteHistoryStore(std::move(catalogue).value());
  } else {
    music::HistoryStoreOptions ho;
    ho.database_url = o.database_url;
    auto pg = music::NewPostgresHistoryStore(ho);
    if (!pg.ok()) return pg.status();
    parts.history = std::move(pg).value();
    Status probe = parts.history->RecentPlays("-", 0).status();  // connects and migrates now
    log.log(probe.ok() ? spdlog::level::info : spdlog::level::warn,
            "{{\"event\":\"history_store\",\"url\":{},\"status\":{}}}",
            nlohmann::json(parts.history->Describe()).dump(),
            nlohmann::json(probe.ToString()).dump());
  }
  if (!o.deezer_api_base.empty()) parts.preview_client = music::MakeHttpClient();
  parts.loader = DefaultAnalyzerLoader(o);
  return parts;
}

void TuneAllocatorForService() {
  // Memory (issue 11): decoded images of 8 MB and more are mmapped, so they go back to the
  // system when freed (glibc's adaptive threshold kept 1.7 GB after a burst of large PNGs),
  // and the heap is trimmed only above 128 MB: setting the mmap threshold alone also fixed
  // the trim threshold at 128 KB, and the page faults of trimming and regrowing the heap on
  // every request cost 9 ms of a 20 ms request (measured, docs/service.md).
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

}  // namespace moodtune
