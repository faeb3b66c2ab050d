// `moodtune serve`: the HTTP service. Options: defaults (ServerOptions), then --config FILE
// (JSON), then MOODTUNE_* environment variables, then flags; flags win.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "commands.h"
#include "moodtune/app.h"
#include "moodtune/server.h"

namespace moodtune::cli {
namespace {

struct ServeFlags {
  std::string config;  // JSON file with ServerOptions keys
  std::optional<std::string> host, db, public_url;
  std::optional<int> port, threads;
  bool print_config = false;  // print the effective options as JSON and exit
};

int RunServe(const ServeFlags& f) {
  server::ServerOptions o;
  Status s;
  if (!f.config.empty()) s = server::ApplyConfigFile(f.config, o);
  if (s.ok()) s = server::ApplyEnvironment(::getenv, o);
  if (!s.ok()) {
    std::cerr << "serve: " << s.ToString() << "\n";
    return 2;
  }
  if (f.host) o.host = *f.host;
  if (f.port) o.port = *f.port;
  if (f.threads) o.threads = *f.threads;
  if (f.db) o.db = *f.db;
  if (f.public_url) o.public_url = *f.public_url;
  if (Status v = server::ValidateOptions(o); !v.ok()) {
    std::cerr << "serve: " << v.message() << "\n";
    return 2;
  }
  if (f.print_config) {
    std::cout << server::OptionsToJson(o) << "\n";
    return 0;
  }
  // Block SIGINT/SIGTERM in every thread; one thread waits for them and stops the server.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The composition root: stores, clients and the model loader are built here and handed to
  // the server, which only routes and translates HTTP.
  auto log = std::make_shared<spdlog::logger>("moodtune-serve",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  TuneAllocatorForService();
  // Issue 12 (ready time): the models load while the catalogue opens and the port binds.
  server::AnalyzerLoader loading = StartLoadingNow(DefaultAnalyzerLoader(o));
  auto parts = OpenServiceParts(o, ::getenv, *log);
  if (!parts.ok()) {
    std::cerr << "serve: " << parts.status().ToString() << "\n";
    return 1;
  }
  parts->loader = std::move(loading);
  auto srv = server::Server::Create(o, std::move(parts).value(), log);
  if (!srv.ok()) {
    std::cerr << "serve: " << srv.status().ToString() << "\n";
    return 1;
  }
  server::Server* raw = srv->get();
  std::cerr << "moodtune: serving on http://" << o.host << ":" << raw->port()
            << "/ (models load in the background; GET /readyz says when)\n";
  std::thread waiter([raw, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    raw->Stop();
  });
  Status run = raw->Run();
  // Run returned (signal or listener failure): make sure the waiter ends too.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  if (!run.ok()) {
    std::cerr << "serve: " << run.ToString() << "\n";
    return 1;
  }
  return 0;
}

std::string OptionsHelp() {
  std::string out = "Config keys (JSON file) / environment, with defaults:\n";
  for (const auto& i : server::DescribeOptions())
    out += "  " + i.name + " / " + i.env + " = " + i.default_value + "\n      " + i.description +
           "\n";
  return out;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ServeFlags>();
  const server::ServerOptions defaults;
  auto* sub = app.add_subcommand("serve", "Run the HTTP service and web page");
  sub->footer(OptionsHelp());
  sub->add_option("--config", f->config, "JSON config file (keys below)");
  sub->add_option("--host", f->host, "Bind address [" + defaults.host + "]");
  sub->add_option("--port", f->port, "TCP port, 0 = any free [" + std::to_string(defaults.port) + "]");
  sub->add_option("--threads", f->threads,
                  "Request worker threads, 0 = one per core [" +
                      std::to_string(defaults.threads) + "]");
  sub->add_option("--db", f->db, "Catalogue SQLite file [$MOODTUNE_DB or ~/.local/share/...]");
  sub->add_option("--public-url", f->public_url, "Base of absolute URLs [from the Host header]");
  sub->add_flag("--print-config", f->print_config, "Print the effective options and exit");
  sub->callback([f, exit_code] { *exit_code = RunServe(*f); });
}

}  // namespace moodtune::cli
