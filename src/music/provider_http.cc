#include "provider_http.h"

#include <charconv>

#include "moodtune/music/mood.h"

namespace moodtune::music::internal {

Millis Remaining(Clock& clock, Clock::TimePoint deadline) {
  const auto left = std::chrono::duration_cast<Millis>(deadline - clock.Now());
  return left > Millis(0) ? left : Millis(0);
}

namespace {
// Retry-After as delay-seconds; an HTTP-date or garbage counts as "unknown" (1 s).
Millis RetryAfter(const HttpResponse& r) {
  const std::string v = r.Header("retry-after");
  long long s = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || s < 0) return Millis(1000);
  return Millis(s * 1000);
}
}  // namespace

Result<HttpResponse> SendWithin(HttpClient& http, Clock& clock, const HttpRequest& req,
                                Clock::TimePoint deadline, Millis max_retry_after,
                                std::string_view who, const LogFn& log) {
  for (int attempt = 0;; ++attempt) {
    const Millis left = Remaining(clock, deadline);
    if (left <= Millis(0))
      return Status::DeadlineExceeded(std::string(who) + ": time budget used up");
    auto r = http.Send(req, left);
    if (!r.ok())
      return Status(r.status().code(), std::string(who) + ": " + r.status().message());
    if (r->status != 429 || attempt == 2) return r;
    const Millis wait = RetryAfter(*r);
    if (wait > max_retry_after || wait >= Remaining(clock, deadline)) {
      if (log)
        log(std::string(who) + ": 429, Retry-After " + std::to_string(wait.count()) +
            " ms exceeds the bound or the budget; giving up");
      return r;
    }
    if (log) log(std::string(who) + ": 429, waiting " + std::to_string(wait.count()) + " ms");
    clock.SleepFor(wait);
  }
}

Status HttpError(std::string_view who, const HttpResponse& r) {
  const std::string m = std::string(who) + ": HTTP " + std::to_string(r.status);
  switch (r.status) {
    case 401: return Status::Unavailable(m + " unauthorized (token refused)");
    case 403: return Status::Unavailable(m + " forbidden (no access to this resource)");
    case 404: return Status::NotFound(m + " not found");
    case 429: return Status::ResourceExhausted(m + " rate limited");
    default: return Status::Unavailable(m);
  }
}

Result<nlohmann::json> ParseJsonObject(std::string_view who, std::string_view body) {
  auto j = nlohmann::json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::Unavailable(std::string(who) + ": malformed JSON in the answer");
  return j;
}

std::string Str(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return {};
}

bool IsTrue(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

long long Int(const nlohmann::json& j, const char* key, long long fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<long long>() : fallback;
}

void EstimateFromQuery(Track& t, const ProviderQuery& q, std::string_view source) {
  const MoodPoint p = EmotionAnchor(q.emotion);
  t.valence = p.valence;
  t.energy = p.energy;
  t.moods = {std::string(EmotionName(q.emotion))};
  t.genre = q.genre.empty() ? "unknown" : NormalizeGenre(q.genre);
  t.source = std::string(source);
}

bool SameBase(std::string_view url, std::string_view base) {
  if (!url.starts_with(base)) return false;
  return url.size() == base.size() || url[base.size()] == '/' || url[base.size()] == '?';
}

}  // namespace moodtune::music::internal
