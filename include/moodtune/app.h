// The composition root (issue 11, STYLE.md rule 8): everything the service owns that touches
// the outside world — the catalogue and listener-history stores (SQLite or PostgreSQL), the
// Deezer preview client, the model loader — is built here, once, in `main`, and handed to
// server::Server, which only routes and translates HTTP. Reading the environment happens here
// (through an injected getenv), never in the server.
// Thread-safety: OpenServiceParts is called once at start-up; the parts it returns are
// thread-safe as documented on each type.
#pragma once

#include <functional>
#include <memory>

#include "moodtune/server.h"
#include "moodtune/status.h"

namespace spdlog {
class logger;
}

namespace moodtune {

using GetEnv = std::function<const char*(const char*)>;

// The face+emotion analyzer from o.face_model and o.emotion_model (loaded when called).
server::AnalyzerLoader DefaultAnalyzerLoader(const server::ServerOptions& o);

// Starts `loader` on its own thread now and returns a loader that waits for that result
// (issue 12: `serve` loads the models while the catalogue opens and the port binds). The
// returned loader gives the same result each time it is called; with no thread to be had,
// the load runs when it is first called.
server::AnalyzerLoader StartLoadingNow(server::AnalyzerLoader loader);

// Opens the catalogue (o.db, else music::DefaultDatabasePath(getenv); the embedded one is
// seeded on first use), the listener-history store (PostgreSQL when o.database_url is set,
// else the catalogue file's own tables) and, with o.deezer_api_base, the preview client; the
// loader is DefaultAnalyzerLoader(o). A catalogue that cannot be opened (read-only or missing
// data directory) does not fail: the embedded catalogue is served from memory, `degraded`
// says why and `log` gets one warning. Fails on an empty catalogue or a malformed
// database_url; a PostgreSQL server that is down does not fail (answers go without history).
Result<server::ServiceParts> OpenServiceParts(const server::ServerOptions& o, const GetEnv& getenv,
                                              spdlog::logger& log);

// Process-wide allocator settings for the service (glibc mallopt; see app.cc for the
// measurements). Call once from main before serving.
void TuneAllocatorForService();

}  // namespace moodtune
