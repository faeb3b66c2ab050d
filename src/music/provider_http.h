// Shared HTTP plumbing of the providers (private to moodtune_music): budgeted sends with
// Retry-After handling, HTTP status -> Status, and JSON parsing without exceptions.
// Thread-safety: free functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "moodtune/music/http.h"
#include "moodtune/music/provider.h"

namespace moodtune::music::internal {

// Time left until `deadline` (0 when past).
Millis Remaining(Clock& clock, Clock::TimePoint deadline);

// Sends `req` with the time left until `deadline` as its timeout. On 429 waits the
// Retry-After seconds (missing: 1 s) and tries again, at most twice, only while each wait
// is <= max_retry_after and leaves time before the deadline; otherwise returns the 429
// response. DeadlineExceeded when the deadline has passed before or during a send.
Result<HttpResponse> SendWithin(HttpClient& http, Clock& clock, const HttpRequest& req,
                                Clock::TimePoint deadline, Millis max_retry_after,
                                std::string_view who, const LogFn& log);

// Maps a non-2xx answer: 404 NotFound, 429 ResourceExhausted, anything else Unavailable;
// the message names the provider and the status, never the body's secrets.
Status HttpError(std::string_view who, const HttpResponse& r);

// Parses a JSON object body; Unavailable("<who>: malformed JSON ...") otherwise.
Result<nlohmann::json> ParseJsonObject(std::string_view who, std::string_view body);

// j[key] as a string when it is one, else "".
std::string Str(const nlohmann::json& j, const char* key);
// j[key] when it is a boolean true; false for anything else (json::value would throw on a
// wrongly typed value; found by fuzz/spotify_fuzzer.cc).
bool IsTrue(const nlohmann::json& j, const char* key);
// j[key] when it is an integer, else `fallback` (never throws).
long long Int(const nlohmann::json& j, const char* key, long long fallback);

// Fills valence/energy/moods/genre/source of a provider track found for `q`.
void EstimateFromQuery(Track& t, const ProviderQuery& q, std::string_view source);

// True when `url` starts with `base` followed by '/' or '?' (paging links are only
// followed on the configured host, so tokens never go elsewhere).
bool SameBase(std::string_view url, std::string_view base);

}  // namespace moodtune::music::internal
