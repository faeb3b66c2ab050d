// SpotifyProvider against a fake Web API on 127.0.0.1 answering the real JSON shapes.
#include "moodtune/music/spotify.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "fake_api.h"

namespace moodtune::music {
namespace {
using nlohmann::json;
using testing::FakeClock;
using testing::FakeServer;

constexpr char kId[] = "my-client-id";
constexpr char kSecret[] = "s3cr3t-client-value";

json SpotifyTrack(const std::string& id, const std::string& name, const std::string& artist) {
  return {{"id", id},
          {"name", name},
          {"type", "track"},
          {"is_local", false},
          {"preview_url", nullptr},
          {"artists", json::array({{{"name", artist}, {"id", "a" + id}}})},
          {"album", {{"name", name + " (album)"}, {"release_date", "1999-05-01"}}},
          {"external_urls", {{"spotify", "https://open.spotify.com/track/" + id}}}};
}

// Token endpoint issuing tok1, tok2, ... and checking the client-credentials request.
struct TokenEndpoint {
  std::atomic<int> issued{0};
  std::atomic<int> bad_requests{0};
  void Install(httplib::Server& s, int expires_in = 3600) {
    s.Post("/api/token", [this, expires_in](const httplib::Request& req, httplib::Response& res) {
      const std::string want = "Basic " + Base64(std::string(kId) + ":" + kSecret);
      if (req.get_header_value("Authorization") != want ||
          req.body != "grant_type=client_credentials" ||
          req.get_header_value("Content-Type") != "application/x-www-form-urlencoded") {
        ++bad_requests;
        res.status = 400;
        res.set_content(R"({"error":"invalid_client"})", "application/json");
        return;
      }
      const int n = ++issued;
      res.set_content(json{{"access_token", "tok" + std::to_string(n)},
                           {"token_type", "Bearer"},
                           {"expires_in", expires_in}}
                          .dump(),
                      "application/json");
    });
  }
};

SpotifyOptions OptionsFor(const FakeServer& s) {
  SpotifyOptions o;
  o.accounts_base = s.base();
  o.api_base = s.base();
  o.market = "GH";
  return o;
}

SpotifyCredentials Creds() { return {kId, kSecret}; }

class SpotifyTest : public ::testing::Test {
 protected:
  void SetUp() override { http_ = MakeHttpClient(); }
  Clock::TimePoint Later() { return clock_.Now() + std::chrono::seconds(10); }
  FakeServer server_;
  TokenEndpoint tokens_;
  FakeClock clock_;
  std::unique_ptr<HttpClient> http_;
  std::vector<std::string> logs_;
  LogFn Log() {
    return [this](std::string_view m) { logs_.emplace_back(m); };
  }
};

TEST_F(SpotifyTest, DefaultsAreDocumentedValues) {
  SpotifyOptions o;
  EXPECT_EQ(o.accounts_base, "https://accounts.spotify.com");
  EXPECT_EQ(o.api_base, "https://api.spotify.com");
  EXPECT_EQ(o.market, "US");
  EXPECT_EQ(o.search_limit, 10);
  EXPECT_EQ(o.max_retry_after, Millis(2000));
  EXPECT_EQ(o.token_margin, std::chrono::seconds(60));
  EXPECT_EQ(o.redirect_port, 8888);
}

TEST_F(SpotifyTest, SearchSendsQueryAndCachesTokenUntilShortlyBeforeExpiry) {
  tokens_.Install(server_.server());
  std::atomic<int> searches{0};
  std::string seen_q, seen_limit, seen_market, seen_type, seen_auth;
  server_.server().Get("/v1/search", [&](const httplib::Request& req, httplib::Response& res) {
    ++searches;
    seen_q = req.get_param_value("q");
    seen_limit = req.get_param_value("limit");
    seen_market = req.get_param_value("market");
    seen_type = req.get_param_value("type");
    seen_auth = req.get_header_value("Authorization");
    json items = json::array({SpotifyTrack("4uLU6hMCjMI75M1A2tKUQC", "Never Gonna Give You Up",
                                           "Rick Astley"),
                              SpotifyTrack("7ouMYWpwJ422jRcDASZB7P", "Oh Happy Day",
                                           "Edwin Hawkins Singers")});
    res.set_content(json{{"tracks", {{"items", items}, {"next", nullptr}, {"total", 2}}}}.dump(),
                    "application/json");
  });
  server_.Start();
  SpotifyProvider p(OptionsFor(server_), Creds(), *http_, clock_, Log());
  ProviderQuery q{Emotion::kHappy, "gospel", 25};
  auto r = p.ForMood(q, Later());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(seen_type, "track");
  EXPECT_EQ(seen_limit, "10");  // clamped to the API's maximum
  EXPECT_EQ(seen_market, "GH");
  EXPECT_NE(seen_q.find("happy"), std::string::npos);
  EXPECT_NE(seen_q.find("genre:\"gospel\""), std::string::npos);
  EXPECT_EQ(seen_auth, "Bearer tok1");
  const Track& t = (*r)[0];
  EXPECT_EQ(t.spotify_id, "4uLU6hMCjMI75M1A2tKUQC");
  EXPECT_EQ(t.spotify_url, "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC");
  EXPECT_EQ(t.artists, std::vector<std::string>{"Rick Astley"});
  EXPECT_EQ(t.year, 1999);
  EXPECT_EQ(t.genre, "gospel");
  EXPECT_EQ(t.source, "spotify");

  ASSERT_TRUE(p.ForMood(q, Later()).ok());
  EXPECT_EQ(tokens_.issued, 1) << "token is cached";
  clock_.Advance(std::chrono::seconds(3600 - 120));
  ASSERT_TRUE(p.ForMood(q, Later()).ok());
  EXPECT_EQ(tokens_.issued, 1) << "still valid for more than the margin";
  clock_.Advance(std::chrono::seconds(90));  // 30 s left < 60 s margin
  ASSERT_TRUE(p.ForMood(q, Later()).ok());
  EXPECT_EQ(tokens_.issued, 2) << "renewed shortly before expires_in";
  EXPECT_EQ(seen_auth, "Bearer tok2");
  EXPECT_EQ(searches, 4);
  EXPECT_EQ(tokens_.bad_requests, 0);
}

TEST_F(SpotifyTest, A401RenewsTheTokenOnceAndRetries) {
  tokens_.Install(server_.server());
  std::atomic<int> searches{0};
  server_.server().Get("/v1/search", [&](const httplib::Request& req, httplib::Response& res) {
    ++searches;
    if (req.get_header_value("Authorization") == "Bearer tok1") {
      res.status = 401;
      res.set_content(R"({"error":{"status":401,"message":"The access token expired"}})",
                      "application/json");
      return;
    }
    res.set_content(json{{"tracks", {{"items", json::array({SpotifyTrack("1", "A", "B")})}}}}.dump(),
                    "application/json");
  });
  server_.Start();
  SpotifyProvider p(OptionsFor(server_), Creds(), *http_, clock_, Log());
  auto r = p.ForMood({Emotion::kSad, "", 5}, Later());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 1u);
  EXPECT_EQ(tokens_.issued, 2);
  EXPECT_EQ(searches, 2);
}

TEST_F(SpotifyTest, A401AfterRenewalIsAnErrorWithoutALoop) {
  tokens_.Install(server_.server());
  std::atomic<int> searches{0};
  server_.server().Get("/v1/search", [&](const httplib::Request&, httplib::Response& res) {
    ++searches;
    res.status = 401;
  });
  server_.Start();
  SpotifyProvider p(OptionsFor(server_), Creds(), *http_, clock_, Log());
  auto r = p.ForMood({Emotion::kSad, "", 5}, Later());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("401"), std::string::npos);
  EXPECT_EQ(tokens_.issued, 2);
  EXPECT_EQ(searches, 2);
}

TEST_F(SpotifyTest, MissingCredentialsIsInvalidArgumentWithoutANetworkCall) {
  tokens_.Install(server_.server());
  server_.Start();
  SpotifyProvider p(OptionsFor(server_), SpotifyCredentials{}, *http_, clock_, Log());
  auto r = p.ForMood({Emotion::kSad, "", 5}, Later());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(tokens_.issued, 0);
}

TEST_F(SpotifyTest, PlaylistPagesReadItemThenTrackAndSkipLocalAndEpisodes) {
  tokens_.Install(server_.server());
  std::vector<std::string> auths;
  std::mutex mu;
  server_.server().Get(R"(/v1/playlists/(\w+)/items)",
                       [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu);
      auths.push_back(req.get_header_value("Authorization"));
    }
    if (req.matches[1] != "37i9dQZF1DXdPec7aLTmlC") {
      res.status = 404;
      return;
    }
    const std::string offset = req.get_param_value("offset");
    json body;
    if (offset.empty() || offset == "0") {
      json episode = {{"id", "ep1"}, {"name", "A podcast"}, {"type", "episode"}};
      json local = SpotifyTrack("", "My Demo", "Me");
      local["is_local"] = true;
      body["items"] = json::array({
          {{"is_local", false}, {"item", SpotifyTrack("id1", "Happy", "Pharrell Williams")}},
          {{"is_local", false}, {"item", episode}},
          {{"is_local", true}, {"item", local}},
          {{"is_local", false}, {"item", nullptr}},
      });
      body["next"] = server_.base() + "/v1/playlists/37i9dQZF1DXdPec7aLTmlC/items?offset=4&limit=4";
    } else {
      body["items"] = json::array({
          {{"is_local", false}, {"track", SpotifyTrack("id2", "Walking on Sunshine", "Katrina and the Waves")}},
          {{"is_local", false},
           {"item", SpotifyTrack("id3", "Good as Hell", "Lizzo")},
           {"track", SpotifyTrack("wrong", "Wrong", "Wrong")}},
      });
      body["next"] = nullptr;
    }
    res.set_content(body.dump(), "application/json");
  });
  server_.Start();
  SpotifyUserToken user{"user-access-xyz", "user-refresh-xyz", 0};
  SpotifyProvider p(OptionsFor(server_), Creds(), *http_, clock_, Log(), user);
  auto r = p.Playlist("37i9dQZF1DXdPec7aLTmlC", Later(), 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> ids;
  for (const auto& t : *r) ids.push_back(t.spotify_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"id1", "id2", "id3"}));
  EXPECT_EQ((*r)[1].title, "Walking on Sunshine");
  EXPECT_EQ((*r)[2].spotify_url, "https://open.spotify.com/track/id3");
  EXPECT_EQ((*r)[0].source, "spotify:playlist:37i9dQZF1DXdPec7aLTmlC");
  ASSERT_EQ(auths.size(), 2u);
  for (const auto& a : auths) EXPECT_EQ(a, "Bearer user-access-xyz");
  EXPECT_EQ(tokens_.issued, 0) << "user token used, no app token needed";

  auto missing = p.Playlist("nope", Later(), 100);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
}

TEST_F(SpotifyTest, UserTokenIsRefreshedOnceOn401AndHandedBackForStorage) {
  std::atomic<int> refreshes{0};
  std::string refresh_body;
  server_.server().Post("/api/token", [&](const httplib::Request& req, httplib::Response& res) {
    ++refreshes;
    refresh_body = req.body;
    res.set_content(R"({"access_token":"user-new","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-new"})",
                    "application/json");
  });
  server_.server().Get(R"(/v1/playlists/(\w+)/items)", [&](const httplib::Request& req,
                                                           httplib::Response& res) {
    if (req.get_header_value("Authorization") != "Bearer user-new") {
      res.status = 401;
      return;
    }
    res.set_content(json{{"items", json::array({{{"item", SpotifyTrack("x", "T", "A")}}})},
                         {"next", nullptr}}
                        .dump(),
                    "application/json");
  });
  server_.Start();
  SpotifyUserToken stored;
  SpotifyProvider p(OptionsFor(server_), Creds(), *http_, clock_, Log(),
                    SpotifyUserToken{"user-old", "rt-old", 0},
                    [&](const SpotifyUserToken& t) { stored = t; });
  auto r = p.Playlist("abc", Later(), 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(refreshes, 1);
  EXPECT_NE(refresh_body.find("grant_type=refresh_token"), std::string::npos);
  EXPECT_NE(refresh_body.find("refresh_token=rt-old"), std::string::npos);
  EXPECT_EQ(refresh_body.find(kSecret), std::string::npos) << "PKCE refresh sends no secret";
  EXPECT_EQ(stored.access_token, "user-new");
  EXPECT_EQ(stored.refresh_token, "rt-new");
}

TEST_F(SpotifyTest, NextLinkToAnotherHostIsNotFollowed) {
  tokens_.Install(server_.server());
  server_.server().Get(R"(/v1/playlists/(\w+)/items)", [&](const httplib::Request&,
                                                           httplib::Response& res) {
    res.set_content(json{{"items", json::array({{{"item", SpotifyTrack("x", "T", "A")}}})},
                         {"next", "http://127.0.0.2:1/v1/playlists/abc/items?offset=1"}}
                        .dump(),
                    "application/json");
  });
  server_.Start();
  SpotifyProvider p(OptionsFor(server_), Creds(), *http_, clock_, Log());
  auto r = p.Playlist("abc", Later(), 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 1u);
}

TEST_F(SpotifyTest, PkceMatchesRfc7636AndAuthorizeUrlCarriesTheFlow) {
  // RFC 7636 appendix B.
  EXPECT_EQ(PkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  auto a = MakePkce();
  auto b = MakePkce();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->verifier, b->verifier);
  EXPECT_GE(a->verifier.size(), 43u);
  EXPECT_LE(a->verifier.size(), 128u);
  EXPECT_EQ(a->challenge, PkceChallenge(a->verifier));
  SpotifyOptions o;
  const std::string url =
      SpotifyAuthorizeUrl(o, kId, "http://127.0.0.1:8888/callback", a->challenge, "st4te");
  EXPECT_TRUE(url.starts_with("https://accounts.spotify.com/authorize?"));
  for (const std::string part :
       {"client_id=my-client-id", "response_type=code", "code_challenge_method=S256",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A8888%2Fcallback", "state=st4te"})
    EXPECT_NE(url.find(part), std::string::npos) << part;
  EXPECT_NE(url.find("code_challenge=" + a->challenge), std::string::npos);
  EXPECT_EQ(url.find(kSecret), std::string::npos);
}

TEST_F(SpotifyTest, CodeExchangeSendsVerifierAndNoSecret) {
  std::string body;
  server_.server().Post("/api/token", [&](const httplib::Request& req, httplib::Response& res) {
    body = req.body;
    res.set_content(R"({"access_token":"ua","token_type":"Bearer","expires_in":3600,"refresh_token":"ur","scope":"playlist-read-private"})",
                    "application/json");
  });
  server_.Start();
  auto t = ExchangeSpotifyCode(*http_, OptionsFor(server_), kId, "the-code", "the-verifier",
                               "http://127.0.0.1:8888/callback", 1000, Millis(5000));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->access_token, "ua");
  EXPECT_EQ(t->refresh_token, "ur");
  EXPECT_EQ(t->expires_at_unix, 4600);
  EXPECT_NE(body.find("grant_type=authorization_code"), std::string::npos);
  EXPECT_NE(body.find("code_verifier=the-verifier"), std::string::npos);
  EXPECT_NE(body.find("code=the-code"), std::string::npos);
}

// Found by fuzz/spotify_fuzzer.cc: a non-boolean "is_local" made json::value() throw
// type_error out of the provider (an exception crossing the area, std::terminate on a
// thread without a handler), and a float or huge "expires_in" was converted to long long
// and added to a time point unchecked (UB). Both are now read without throwing.
TEST_F(SpotifyTest, FuzzWronglyTypedIsLocalAndHugeExpiresInDoNotThrow) {
  server_.server().Post("/api/token", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"access_token":"tok","token_type":"Bearer","expires_in":1e300})",
                    "application/json");
  });
  server_.server().Get("/v1/search", [](const httplib::Request&, httplib::Response& res) {
    json odd = SpotifyTrack("id2", "Odd", "Someone");
    odd["is_local"] = "no";
    json items = json::array({SpotifyTrack("id1", "Happy", "Pharrell Williams"), odd});
    items[0]["is_local"] = 0;
    res.set_content(json{{"tracks", {{"items", items}}}}.dump(), "application/json");
  });
  server_.server().Get(R"(/v1/playlists/(\w+)/items)",
                       [](const httplib::Request&, httplib::Response& res) {
    json items = json::array({{{"is_local", "yes"}, {"track", SpotifyTrack("id3", "T", "A")}},
                              {{"is_local", 1}, {"item", SpotifyTrack("id4", "U", "B")}}});
    res.set_content(json{{"items", items}, {"next", nullptr}}.dump(), "application/json");
  });
  server_.Start();
  SpotifyProvider p(OptionsFor(server_), Creds(), *http_, clock_, Log());
  auto search = p.ForMood(ProviderQuery{Emotion::kHappy, "", 10}, Later());
  ASSERT_TRUE(search.ok()) << search.status().ToString();
  EXPECT_EQ(search->size(), 2u);  // only a boolean true marks a local file
  auto playlist = p.Playlist("pl1", Later(), 10);
  ASSERT_TRUE(playlist.ok()) << playlist.status().ToString();
  EXPECT_EQ(playlist->size(), 2u);
}

}  // namespace
}  // namespace moodtune::music
