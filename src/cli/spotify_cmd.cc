// `moodtune spotify login`: the Authorization Code with PKCE flow. Prints the authorize URL,
// catches the redirect on http://127.0.0.1:PORT/callback, exchanges the code and stores the
// user token (mode 0600) outside the repository. Never prints a token or secret.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "commands.h"
#include "moodtune/music/provider_config.h"
#include "moodtune/music/spotify.h"

namespace moodtune::cli {
namespace {
using namespace moodtune::music;

struct LoginArgs {
  std::string config;
  int port = 0;          // 0 = the config's redirect_port
  int timeout_s = 300;   // wait this long for the browser's redirect
};

const char* Env(const char* name) { return std::getenv(name); }

int RunLogin(const LoginArgs& a) {
  auto cfg = LoadProviderConfig(a.config, Env);
  if (!cfg.ok()) return std::cerr << "spotify login: " << cfg.status().ToString() << "\n", 1;
  const std::string& client_id = cfg->spotify_credentials.client_id;
  if (client_id.empty()) {
    std::cerr << "spotify login: set MOODTUNE_SPOTIFY_CLIENT_ID (or spotify.client_id in "
              << a.config << ")\n";
    return 2;
  }
  const int port = a.port > 0 ? a.port : cfg->spotify.redirect_port;
  const std::string redirect = "http://127.0.0.1:" + std::to_string(port) + "/callback";
  auto pkce = MakePkce();
  auto state_src = MakePkce();
  if (!pkce.ok() || !state_src.ok()) return std::cerr << "spotify login: no randomness\n", 1;
  const std::string state = state_src->verifier.substr(0, 24);

  std::mutex mu;
  std::condition_variable cv;
  std::string code, error;
  bool done = false;
  httplib::Server server;
  server.Get("/callback", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    if (done) return;
    if (req.get_param_value("state") != state) {
      res.status = 400;
      res.set_content("State mismatch; ignored.", "text/plain");
      return;
    }
    error = req.get_param_value("error");
    code = req.get_param_value("code");
    done = true;
    res.set_content(error.empty() ? "moodtune: logged in to Spotify. You can close this tab."
                                  : "moodtune: Spotify login refused: " + error,
                    "text/plain");
    cv.notify_all();
  });
  if (!server.bind_to_port("127.0.0.1", port)) {
    std::cerr << "spotify login: cannot listen on 127.0.0.1:" << port << "\n";
    return 1;
  }
  std::thread th([&] { server.listen_after_bind(); });
  // stop() before the accept loop runs would be lost.
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::printf("Open this URL in a browser and allow access (redirect URI %s must be registered "
              "in the Spotify dashboard):\n\n%s\n\nWaiting up to %d s for the redirect...\n",
              redirect.c_str(),
              SpotifyAuthorizeUrl(cfg->spotify, client_id, redirect, pkce->challenge, state).c_str(),
              a.timeout_s);
  std::fflush(stdout);
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(a.timeout_s), [&] { return done; });
  }
  server.stop();
  th.join();
  if (!done) return std::cerr << "spotify login: no redirect within " << a.timeout_s << " s\n", 1;
  if (!error.empty() || code.empty())
    return std::cerr << "spotify login: refused (" << (error.empty() ? "no code" : error) << ")\n", 1;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  auto http = MakeHttpClient();
  auto token = ExchangeSpotifyCode(*http, cfg->spotify, client_id, code, pkce->verifier, redirect,
                                   now, Millis(15000));
  if (!token.ok()) return std::cerr << "spotify login: " << token.status().ToString() << "\n", 1;
  Status s = SaveSpotifyUserToken(cfg->spotify_token_path, *token);
  if (!s.ok()) return std::cerr << "spotify login: " << s.ToString() << "\n", 1;
  std::printf("Logged in; user token stored in %s (mode 0600).\n", cfg->spotify_token_path.c_str());
  return 0;
}

}  // namespace

void AddSpotifyCommands(CLI::App& app, int* exit_code) {
  auto* sp = app.add_subcommand("spotify", "Spotify account (user playlists)");
  sp->require_subcommand(1);
  auto la = std::make_shared<LoginArgs>();
  la->config = DefaultConfigPath(Env);
  auto* login = sp->add_subcommand(
      "login", "Authorization Code with PKCE: print the URL, catch the loopback redirect");
  login->add_option("--config", la->config, "Provider config file (env MOODTUNE_CONFIG)")
      ->capture_default_str();
  login->add_option("--port", la->port, "Loopback port (0 = config spotify.redirect_port, 8888)")
      ->capture_default_str();
  login->add_option("--timeout", la->timeout_s, "Seconds to wait for the redirect")
      ->capture_default_str();
  login->callback([la, exit_code] { *exit_code = RunLogin(*la); });
}

}  // namespace moodtune::cli
