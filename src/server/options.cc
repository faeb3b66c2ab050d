// ServerOptions from JSON, environment and validation. One table names every field once, so
// the config file, the environment and the docs cannot drift apart.
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <variant>

#include "moodtune/music/history_store.h"
#include "moodtune/server.h"
#include "security.h"

namespace moodtune::server {
namespace {

using Member = std::variant<std::string ServerOptions::*, int ServerOptions::*,
                            std::int64_t ServerOptions::*, bool ServerOptions::*>;

struct Field {
  const char* name;
  Member member;
  const char* description;
};

const std::vector<Field>& Fields() {
  static const std::vector<Field> kFields = {
      {"host", &ServerOptions::host, "bind address"},
      {"port", &ServerOptions::port, "TCP port (0 = any free port)"},
      {"public_url", &ServerOptions::public_url,
       "base of absolute URLs in answers (empty = from the Host header, when allowed)"},
      {"allowed_hosts", &ServerOptions::allowed_hosts,
       "comma list of Host header names used for image URLs when public_url is empty"},
      {"threads", &ServerOptions::threads, "request worker threads (0 = one per core)"},
      {"max_queue", &ServerOptions::max_queue, "requests waiting for a worker (503 above)"},
      {"max_connections", &ServerOptions::max_connections,
       "open connections (more are closed at once)"},
      {"max_header_bytes", &ServerOptions::max_header_bytes,
       "request line and headers in bytes, total (431 above)"},
      {"max_body_bytes", &ServerOptions::max_body_bytes,
       "largest request body, chunked or not (413 above)"},
      {"max_inflight_bytes", &ServerOptions::max_inflight_bytes,
       "request body bytes received and held at once (503 above)"},
      {"max_pixels", &ServerOptions::max_pixels, "largest decoded image in pixels (413 above)"},
      {"read_timeout_s", &ServerOptions::read_timeout_s,
       "seconds for the whole request head, then for the whole body"},
      {"write_timeout_s", &ServerOptions::write_timeout_s, "seconds for the whole answer"},
      {"keep_alive_max", &ServerOptions::keep_alive_max, "requests per keep-alive connection"},
      {"keep_alive_timeout_s", &ServerOptions::keep_alive_timeout_s,
       "idle keep-alive timeout, seconds"},
      {"static_max_images", &ServerOptions::static_max_images, "annotated images kept"},
      {"static_max_age_s", &ServerOptions::static_max_age_s,
       "annotated images expire after this many seconds"},
      {"jpeg_quality", &ServerOptions::jpeg_quality, "annotated JPEG quality 1..100"},
      {"default_n", &ServerOptions::default_n, "tracks per answer when n is not given"},
      {"db", &ServerOptions::db,
       "catalogue SQLite file (empty = $MOODTUNE_DB or ~/.local/share/moodtune/moodtune.db)"},
      {"database_url", &ServerOptions::database_url,
       "PostgreSQL URL (postgresql://user:pass@host:port/db) for listener history and feedback, "
       "shared by replicas (empty = the SQLite db file)"},
      {"face_model", &ServerOptions::face_model, "BlazeFace ONNX file"},
      {"emotion_model", &ServerOptions::emotion_model, "emotion classifier ONNX file"},
      {"emotion_backend", &ServerOptions::emotion_backend,
       "emotion net backend: auto (oneDNN when it can, else OpenCV DNN), opencv, onednn"},
      {"face_backend", &ServerOptions::face_backend,
       "BlazeFace backend: auto (oneDNN when it can, else OpenCV DNN), opencv, onednn"},
      {"access_log", &ServerOptions::access_log, "structured access log on stderr"},
      {"api_keys_sha256", &ServerOptions::api_keys_sha256,
       "comma list of SHA-256 hex digests of accepted API keys (empty = no key required)"},
      {"rate_limit_per_min", &ServerOptions::rate_limit_per_min,
       "requests a minute per API key or client IP (0 = no limit)"},
      {"rate_limit_burst", &ServerOptions::rate_limit_burst, "requests allowed back to back"},
      {"cors_origins", &ServerOptions::cors_origins,
       "comma list of origins allowed cross-origin, \"*\" = any (empty = none)"},
      {"metrics_allow", &ServerOptions::metrics_allow,
       "comma list of peer IPs / IPv4 CIDRs allowed /metrics (empty = any)"},
      {"store_annotated", &ServerOptions::store_annotated,
       "draw and keep annotated images (false: never kept, URLs null)"},
      {"static_max_bytes", &ServerOptions::static_max_bytes,
       "annotated-image store budget in bytes (oldest evicted first)"},
      {"deezer_api_base", &ServerOptions::deezer_api_base,
       "Deezer API base (https://api.deezer.com) for fresh preview links; empty = none"},
      {"live_max_sessions", &ServerOptions::live_max_sessions,
       "live mood sessions in all (503 above)"},
      {"live_max_sessions_per_peer", &ServerOptions::live_max_sessions_per_peer,
       "live sessions one address may hold (never more than half of live_max_sessions)"},
      {"live_max_fps", &ServerOptions::live_max_fps,
       "frames a second per live mood session (429 above)"},
      {"live_session_ttl_s", &ServerOptions::live_session_ttl_s,
       "an unused live mood session is deleted after this many seconds"},
  };
  return kFields;
}

std::string EnvName(std::string_view name) {
  std::string env = "MOODTUNE_";
  for (char c : name) env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

template <typename Json = nlohmann::json>
Json ValueOf(const ServerOptions& o, const Member& m) {
  return std::visit([&](auto p) { return Json(o.*p); }, m);
}

Status SetFromJson(ServerOptions& o, const Field& f, const nlohmann::json& v) {
  const std::string bad = std::string("config: ") + f.name + " must be ";
  if (auto p = std::get_if<std::string ServerOptions::*>(&f.member)) {
    if (!v.is_string()) return Status::InvalidArgument(bad + "a string");
    o.** p = v.get<std::string>();
  } else if (auto p = std::get_if<bool ServerOptions::*>(&f.member)) {
    if (!v.is_boolean()) return Status::InvalidArgument(bad + "true or false");
    o.** p = v.get<bool>();
  } else if (auto p = std::get_if<int ServerOptions::*>(&f.member)) {
    if (!v.is_number_integer()) return Status::InvalidArgument(bad + "an integer");
    const auto x = v.get<std::int64_t>();
    if (x < INT32_MIN || x > INT32_MAX) return Status::InvalidArgument(bad + "a 32-bit integer");
    o.** p = static_cast<int>(x);
  } else if (auto p = std::get_if<std::int64_t ServerOptions::*>(&f.member)) {
    if (!v.is_number_integer()) return Status::InvalidArgument(bad + "an integer");
    o.** p = v.get<std::int64_t>();
  }
  return Status::Ok();
}

// Environment values are text; numbers and booleans are parsed from it.
Status SetFromText(ServerOptions& o, const Field& f, const std::string& text) {
  nlohmann::json v;
  if (std::holds_alternative<std::string ServerOptions::*>(f.member)) {
    v = text;
  } else if (std::holds_alternative<bool ServerOptions::*>(f.member)) {
    if (text == "1" || text == "true")
      v = true;
    else if (text == "0" || text == "false")
      v = false;
    else
      return Status::InvalidArgument(EnvName(f.name) + " must be true/false/1/0");
  } else {
    std::size_t used = 0;
    long long x = 0;
    try {
      x = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size())
      return Status::InvalidArgument(EnvName(f.name) + " must be an integer");
    v = x;
  }
  return SetFromJson(o, f, v);
}

}  // namespace

std::vector<OptionInfo> DescribeOptions() {
  const ServerOptions defaults;
  std::vector<OptionInfo> out;
  for (const Field& f : Fields())
    out.push_back({f.name, EnvName(f.name), f.description, ValueOf(defaults, f.member).dump()});
  return out;
}

Status ApplyConfigJson(std::string_view json_text, ServerOptions& o) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("config: not valid JSON");
  if (!j.is_object()) return Status::InvalidArgument("config: must be a JSON object");
  ServerOptions next = o;
  for (const auto& [key, value] : j.items()) {
    const Field* field = nullptr;
    for (const Field& f : Fields())
      if (key == f.name) field = &f;
    if (!field) return Status::InvalidArgument("config: unknown key \"" + key + "\"");
    MOODTUNE_RETURN_IF_ERROR(SetFromJson(next, *field, value));
  }
  o = std::move(next);
  return Status::Ok();
}

Status ApplyConfigFile(const std::string& path, ServerOptions& o) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("config: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  Status s = ApplyConfigJson(text.str(), o);
  if (!s.ok()) return Status(s.code(), path + ": " + s.message());
  return s;
}

Status ApplyEnvironment(const std::function<const char*(const char*)>& getenv, ServerOptions& o) {
  ServerOptions next = o;
  for (const Field& f : Fields()) {
    const std::string env = EnvName(f.name);
    if (const char* v = getenv(env.c_str())) MOODTUNE_RETURN_IF_ERROR(SetFromText(next, f, v));
  }
  o = std::move(next);
  return Status::Ok();
}

Status ValidateOptions(const ServerOptions& o) {
  auto bad = [](const std::string& m) { return Status::InvalidArgument(m); };
  if (o.host.empty()) return bad("host must not be empty");
  if (o.port < 0 || o.port > 65535) return bad("port must be in 0..65535");
  if (o.threads < 0 || o.threads > 256) return bad("threads must be in 0..256 (0 = one per core)");
  if (o.max_queue < 1) return bad("max_queue must be >= 1");
  if (o.max_connections < 1) return bad("max_connections must be >= 1");
  if (o.max_header_bytes < 1024) return bad("max_header_bytes must be at least 1024");
  if (o.max_body_bytes < 1024) return bad("max_body_bytes must be at least 1024");
  if (o.max_inflight_bytes < o.max_body_bytes)
    return bad("max_inflight_bytes must be at least max_body_bytes");
  if (o.max_pixels < 1) return bad("max_pixels must be positive");
  if (o.read_timeout_s < 1 || o.write_timeout_s < 1) return bad("timeouts must be >= 1 s");
  if (o.keep_alive_max < 1 || o.keep_alive_timeout_s < 1) return bad("keep-alive must be >= 1");
  if (o.static_max_images < 1) return bad("static_max_images must be >= 1");
  if (o.static_max_age_s < 1) return bad("static_max_age_s must be >= 1");
  if (o.jpeg_quality < 1 || o.jpeg_quality > 100) return bad("jpeg_quality must be in 1..100");
  if (o.default_n < 1 || o.default_n > 100) return bad("default_n must be in 1..100");
  if (auto keys = KeyRing::FromDigests(o.api_keys_sha256); !keys.ok()) return keys.status();
  if (o.rate_limit_per_min < 0) return bad("rate_limit_per_min must be >= 0");
  if (o.rate_limit_burst < 1) return bad("rate_limit_burst must be >= 1");
  if (o.static_max_bytes < 1) return bad("static_max_bytes must be >= 1");
  if (!o.deezer_api_base.empty() && o.deezer_api_base.rfind("http://", 0) != 0 &&
      o.deezer_api_base.rfind("https://", 0) != 0)
    return bad("deezer_api_base must start with http:// or https://");
  if (o.emotion_backend != "auto" && o.emotion_backend != "opencv" &&
      o.emotion_backend != "onednn")
    return bad("emotion_backend must be auto, opencv or onednn");
  if (o.face_backend != "auto" && o.face_backend != "opencv" && o.face_backend != "onednn")
    return bad("face_backend must be auto, opencv or onednn");
  if (o.live_max_sessions < 1) return bad("live_max_sessions must be >= 1");
  if (o.live_max_sessions_per_peer < 1) return bad("live_max_sessions_per_peer must be >= 1");
  if (o.live_max_fps < 1 || o.live_max_fps > 1000) return bad("live_max_fps must be in 1..1000");
  if (o.live_session_ttl_s < 1) return bad("live_session_ttl_s must be >= 1");
  if (!o.public_url.empty() && o.public_url.rfind("http://", 0) != 0 &&
      o.public_url.rfind("https://", 0) != 0)
    return bad("public_url must start with http:// or https://");
  return Status::Ok();
}

std::string OptionsToJson(const ServerOptions& o) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const Field& f : Fields()) j[f.name] = ValueOf<nlohmann::ordered_json>(o, f.member);
  j["database_url"] = music::RedactDatabaseUrl(o.database_url);
  return j.dump(2);
}

}  // namespace moodtune::server
