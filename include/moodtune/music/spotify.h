// Spotify Web API provider: client-credentials token (cached until shortly before it
// expires), track search, a user's playlists through a PKCE user token, and the helpers of
// the Authorization Code with PKCE flow used by `moodtune spotify login`.
// Thread-safety: SpotifyProvider serialises its own token state; call ForMood/Playlist
// from one thread at a time. PKCE helpers are pure apart from MakePkce's randomness.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "moodtune/emotion.h"
#include "moodtune/music/http.h"
#include "moodtune/music/provider.h"
#include "moodtune/status.h"

namespace moodtune::music {

struct SpotifyOptions {
  std::string accounts_base = "https://accounts.spotify.com";  // token + authorize host
  std::string api_base = "https://api.spotify.com";            // Web API host (/v1/...)
  std::string market = "US";        // ISO 3166-1 alpha-2 sent with search; "" = omit
  int search_limit = 10;            // tracks per search, clamped to 1..10 (the API's max)
  int page_limit = 50;              // items per playlist page
  int max_pages = 20;               // playlist pages followed at most
  Millis max_retry_after{2000};     // honour a 429's Retry-After only up to this
  std::chrono::seconds token_margin{60};  // renew a token this long before expires_in ends
  std::map<Emotion, std::string> playlists;  // emotion -> playlist id used by ForMood
  int redirect_port = 8888;         // loopback port of `spotify login` (register
                                    // http://127.0.0.1:PORT/callback in the dashboard)
  std::string scopes = "playlist-read-private playlist-read-collaborative";
};

// Secrets; never logged or printed.
struct SpotifyCredentials {
  std::string client_id;      // MOODTUNE_SPOTIFY_CLIENT_ID
  std::string client_secret;  // MOODTUNE_SPOTIFY_CLIENT_SECRET (client credentials only)
};

// A user token from the PKCE flow.
struct SpotifyUserToken {
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_at_unix = 0;  // wall-clock seconds; 0 = unknown
};

class SpotifyProvider final : public Provider {
 public:
  // `http` and `clock` are borrowed and must outlive the provider. `user` (may be empty)
  // is used for playlists; when it is refused with 401 and has a refresh token, it is
  // refreshed once and `on_user_token` (may be empty) receives the new one to store.
  SpotifyProvider(SpotifyOptions o, SpotifyCredentials c, HttpClient& http, Clock& clock,
                  LogFn log = {}, SpotifyUserToken user = {},
                  std::function<void(const SpotifyUserToken&)> on_user_token = {});

  std::string_view Name() const override { return "spotify"; }
  // The emotion's playlist when configured (first q.limit tracks), else
  // GET /v1/search?type=track&q=<mood words> [genre:"g"]&limit&market.
  Result<std::vector<Track>> ForMood(const ProviderQuery& q, Clock::TimePoint deadline) override;
  // GET /v1/playlists/{id}/items, following `next`; reads `item`, falls back to `track`;
  // skips local files, episodes and null items.
  Result<std::vector<Track>> Playlist(std::string_view id, Clock::TimePoint deadline,
                                      int max_tracks) override;

  // Client-credentials token: the cached one while it is valid for longer than
  // token_margin, else POST {accounts}/api/token. InvalidArgument without id/secret.
  Result<std::string> AppToken(Clock::TimePoint deadline);

 private:
  // GET with a bearer token; on 401 renews the token once and retries.
  Result<HttpResponse> AuthorizedGet(const std::string& url, bool user, Clock::TimePoint deadline);
  Result<std::string> Token(bool user, Clock::TimePoint deadline);
  Status Renew(bool user, Clock::TimePoint deadline);

  SpotifyOptions o_;
  SpotifyCredentials c_;
  HttpClient& http_;
  Clock& clock_;
  LogFn log_;
  SpotifyUserToken user_;
  std::function<void(const SpotifyUserToken&)> on_user_token_;
  std::mutex mu_;
  std::string app_token_;
  Clock::TimePoint app_token_expires_{};
};

// PKCE (RFC 7636): verifier = 64 random bytes, base64url; challenge = base64url(SHA-256).
struct Pkce {
  std::string verifier;
  std::string challenge;
};
Result<Pkce> MakePkce();                                 // OpenSSL RAND_bytes
std::string PkceChallenge(std::string_view verifier);    // pure
// {accounts}/authorize?client_id&response_type=code&redirect_uri&code_challenge_method=S256
// &code_challenge&scope&state
std::string SpotifyAuthorizeUrl(const SpotifyOptions& o, std::string_view client_id,
                                std::string_view redirect_uri, std::string_view challenge,
                                std::string_view state);
// POST {accounts}/api/token grant_type=authorization_code (no secret: PKCE). `now_unix`
// turns expires_in into expires_at_unix. Unavailable/InvalidArgument on refusal.
Result<SpotifyUserToken> ExchangeSpotifyCode(HttpClient& http, const SpotifyOptions& o,
                                             std::string_view client_id, std::string_view code,
                                             std::string_view verifier,
                                             std::string_view redirect_uri,
                                             std::int64_t now_unix, Millis timeout);

// Token file (JSON {access_token, refresh_token, expires_at}) written with mode 0600.
Result<SpotifyUserToken> LoadSpotifyUserToken(const std::string& path);
Status SaveSpotifyUserToken(const std::string& path, const SpotifyUserToken& t);

}  // namespace moodtune::music
