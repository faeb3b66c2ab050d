// Provider configuration: a JSON file outside the repository plus environment overrides,
// and the factory that turns a provider name into a Provider.
// Thread-safety: pure functions given `getenv`; LoadProviderConfig reads one file.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "moodtune/music/deezer.h"
#include "moodtune/music/paths.h"
#include "moodtune/music/provider.h"
#include "moodtune/music/spotify.h"

namespace moodtune::music {

struct ProviderConfig {
  SpotifyOptions spotify;
  SpotifyCredentials spotify_credentials;  // secrets: never printed
  DeezerOptions deezer;
  LiveOptions live;
  std::string spotify_token_path;  // user token from `moodtune spotify login`
};

// $MOODTUNE_CONFIG; else $XDG_CONFIG_HOME/moodtune/config.json; else
// $HOME/.config/moodtune/config.json; else ./moodtune.json.
std::string DefaultConfigPath(const GetEnvFn& getenv);
// The same folder's spotify_token.json.
std::string DefaultSpotifyTokenPath(const GetEnvFn& getenv);

// File format (every key optional):
//   {"providers": {"budget_ms": 1500, "cache_ttl_s": 600},
//    "spotify": {"client_id": "...", "client_secret": "...", "market": "US",
//                "accounts_base": "...", "api_base": "...", "redirect_port": 8888,
//                "token_path": "...", "playlists": {"happy": "ID", "sad": "ID"}},
//    "deezer":  {"api_base": "...", "playlists": {"happy": "ID"}}}
// then the environment wins: MOODTUNE_SPOTIFY_CLIENT_ID, MOODTUNE_SPOTIFY_CLIENT_SECRET,
// MOODTUNE_SPOTIFY_MARKET, MOODTUNE_SPOTIFY_API_BASE, MOODTUNE_SPOTIFY_ACCOUNTS_BASE,
// MOODTUNE_DEEZER_API_BASE, MOODTUNE_PROVIDER_BUDGET_MS. `json_text` "" = no file.
// InvalidArgument (never quoting a secret) for malformed JSON, wrong types, an unknown
// emotion, a base URL that is not http(s) or a negative budget.
Result<ProviderConfig> ParseProviderConfig(std::string_view json_text, const GetEnvFn& getenv);
// Reads `path` (a missing file means defaults) and parses it.
Result<ProviderConfig> LoadProviderConfig(const std::string& path, const GetEnvFn& getenv);

// "spotify" or "deezer" -> a provider borrowing `http` and `clock`; "catalogue" -> nullptr;
// InvalidArgument otherwise. The Spotify provider gets the user token stored at
// cfg.spotify_token_path when there is one, and stores refreshed tokens back there.
Result<std::unique_ptr<Provider>> MakeProvider(std::string_view name, const ProviderConfig& cfg,
                                               HttpClient& http, Clock& clock, LogFn log = {});

}  // namespace moodtune::music
