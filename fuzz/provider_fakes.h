// Fakes for the provider fuzzers: an HttpClient that answers every API request with the
// fuzzer's bytes (token requests too when asked, else with a valid token), and a clock that
// never moves.
// Thread-safety: none; one fuzzer thread.
#pragma once

#include <string>
#include <string_view>

#include "moodtune/music/http.h"

namespace moodtune::fuzz {

class BodyHttp final : public music::HttpClient {
 public:
  BodyHttp(std::string_view body, bool fuzz_token) : body_(body), fuzz_token_(fuzz_token) {}
  Result<music::HttpResponse> Send(const music::HttpRequest& req, music::Millis) override {
    music::HttpResponse r;
    r.status = 200;
    if (req.url.ends_with("/api/token") && !fuzz_token_)
      r.body = R"({"access_token":"t","token_type":"Bearer","expires_in":3600})";
    else
      r.body = std::string(body_);
    return r;
  }

 private:
  std::string_view body_;
  bool fuzz_token_;
};

class StillClock final : public music::Clock {
 public:
  TimePoint Now() override { return TimePoint{}; }
  void SleepFor(music::Millis) override {}
};

}  // namespace moodtune::fuzz
