#include "http_util.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "image_store.h"
#include "moodtune/device_protocol.h"
#include "security.h"
#include "views.h"

namespace moodtune::server {
namespace {

bool IsImageType(const std::string& media) {
  return media == "image/jpeg" || media == "image/jpg" || media == "image/png" ||
         media == "image/webp" || media == "image/bmp" || media == "application/octet-stream";
}

bool AllOf(std::string_view s, bool (*ok)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), ok);
}

}  // namespace

std::variant<std::string_view, ApiError> ExtractImage(const HttpRequest& req,
                                                      std::initializer_list<const char*> fields) {
  std::string names;
  for (const char* f : fields) names += names.empty() ? f : std::string(" | ") + f;
  if (req.is_multipart()) {
    for (const char* f : fields) {
      const FormPart* part = req.part(f);
      if (!part) continue;
      const std::string media = MediaType(part->content_type);
      if (!media.empty() && !IsImageType(media)) return UnsupportedMediaType(media);
      if (part->content.empty()) return MissingField(std::string(f) + " (empty file)");
      return part->content;
    }
    return MissingField(names);
  }
  const std::string media = MediaType(req.get_header_value("Content-Type"));
  if (req.body.empty()) return MissingField(names + " (multipart) or an image body");
  if (!IsImageType(media)) return UnsupportedMediaType(media);
  return std::string_view(req.body);
}

std::optional<std::string> Field(const HttpRequest& req, const std::string& name) {
  if (auto v = req.param(name)) return v;
  if (const FormPart* part = req.part(name); part && part->filename.empty())
    return std::string(part->content);
  return std::nullopt;
}

void ReplyJson(HttpResponse& res, int http, const nlohmann::ordered_json& body) {
  res.status = http;
  res.set_content(body.dump(), "application/json");
}

void ReplyError(HttpResponse& res, const ApiError& e) {
  res.status = e.http;
  res.set_content(ErrorJson(e), "application/json");
}

void ReplyError(const HttpRequest& req, HttpResponse& res, const ApiError& e) {
  if (req.path != device::kMoodPath) return ReplyError(res, e);
  res.status = e.http;
  res.set_content(DeviceErrorAnswer(e.code), "text/plain; charset=utf-8");
}

namespace {
// "example.com:8000" -> "example.com"; "[::1]:8000" -> "[::1]". "" when what follows the
// name is not ":<digits>" (so "localhost:evil" matches nothing).
std::string HostName(const std::string& host) {
  std::size_t end = 0;
  if (!host.empty() && host.front() == '[') {
    end = host.find(']');
    if (end == std::string::npos) return "";
    ++end;
  } else {
    end = std::min(host.find(':'), host.size());
  }
  const std::string port = host.substr(end);
  if (!port.empty() &&
      (port.size() < 2 || port[0] != ':' ||
       !std::all_of(port.begin() + 1, port.end(), [](char c) { return c >= '0' && c <= '9'; })))
    return "";
  return host.substr(0, end);
}
}  // namespace

std::string BaseUrl(const HttpRequest& req, const std::string& public_url,
                    const std::vector<std::string>& allowed_hosts, const std::string& fallback_host,
                    int port) {
  if (!public_url.empty()) {
    std::string base = public_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
  }
  const std::string host = req.get_header_value("Host");
  const bool plain = AllOf(host, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '[' || c == ']';
  });
  if (plain && host.size() <= 255) {
    const std::string name = AsciiLower(HostName(host));
    if (!name.empty() &&
        std::find(allowed_hosts.begin(), allowed_hosts.end(), name) != allowed_hosts.end())
      return "http://" + host;
  }
  return "http://" + fallback_host + ":" + std::to_string(port);
}

std::string RequestId(const HttpRequest& req) {
  const std::string given = req.get_header_value("X-Request-Id");
  const bool ok =
      given.size() <= 64 && AllOf(given, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      });
  return ok ? given : RandomId().substr(0, 16);
}

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    std::uint32_t cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;  // a continuation byte or 0xF8..0xFF where a character starts
    }
    if (i + static_cast<std::size_t>(len) > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += static_cast<std::size_t>(len);
  }
  return true;
}

namespace {
ApiError InvalidUtf8In(const std::string& where) {
  // Not echoed as it is: the name of a bad header or field may itself be invalid.
  return BadField("invalid UTF-8 in " + (IsValidUtf8(where) ? where : "a field name"));
}
}  // namespace

std::optional<ApiError> InvalidUtf8InHead(const HttpRequest& req) {
  if (!IsValidUtf8(req.path)) return InvalidUtf8In("path");
  for (const auto& [k, v] : req.params)
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) return InvalidUtf8In("query parameter '" + k + "'");
  for (const auto& [k, v] : req.headers)
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) return InvalidUtf8In("header '" + k + "'");
  return std::nullopt;
}

std::optional<ApiError> InvalidUtf8InForm(const HttpRequest& req) {
  for (const auto& [k, v] : req.params)  // the query again, and urlencoded form fields
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) return InvalidUtf8In("field '" + k + "'");
  for (const FormPart& f : req.parts) {
    if (!IsValidUtf8(f.name) || !IsValidUtf8(f.filename) || !IsValidUtf8(f.content_type))
      return InvalidUtf8In("form part '" + f.name + "'");
    // Image fields may arrive without a filename (curl -F 'image=<x.jpg'): their bytes are
    // not text. Every other field is text the handlers read.
    const bool image_field = f.name == "files" || f.name == "file" || f.name == "image";
    if (!image_field && f.filename.empty() && !IsValidUtf8(f.content))
      return InvalidUtf8In("form field '" + f.name + "'");
  }
  return std::nullopt;
}

}  // namespace moodtune::server
