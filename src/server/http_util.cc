#include "http_util.h"

#include <algorithm>
#include <cctype>

#include "image_store.h"

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

std::string MediaType(std::string_view content_type) {
  std::string out(content_type.substr(0, content_type.find(';')));
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  std::size_t start = 0;
  while (start < out.size() && std::isspace(static_cast<unsigned char>(out[start]))) ++start;
  out.erase(0, start);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::variant<std::string_view, ApiError> ExtractImage(const httplib::Request& req,
                                                      std::initializer_list<const char*> fields) {
  std::string names;
  for (const char* f : fields) names += names.empty() ? f : std::string(" | ") + f;
  if (req.is_multipart_form_data()) {
    for (const char* f : fields) {
      auto it = req.files.find(f);
      if (it == req.files.end()) continue;
      const std::string media = MediaType(it->second.content_type);
      if (!media.empty() && !IsImageType(media)) return UnsupportedMediaType(media);
      if (it->second.content.empty()) return MissingField(std::string(f) + " (empty file)");
      return std::string_view(it->second.content);
    }
    return MissingField(names);
  }
  const std::string media = MediaType(req.get_header_value("Content-Type"));
  if (req.body.empty()) return MissingField(names + " (multipart) or an image body");
  if (!IsImageType(media)) return UnsupportedMediaType(media);
  return std::string_view(req.body);
}

std::optional<std::string> Field(const httplib::Request& req, const std::string& name) {
  if (req.has_param(name.c_str())) return req.get_param_value(name.c_str());
  if (req.is_multipart_form_data()) {
    auto it = req.files.find(name);
    if (it != req.files.end() && it->second.filename.empty()) return it->second.content;
  }
  return std::nullopt;
}

void ReplyJson(httplib::Response& res, int http, const nlohmann::ordered_json& body) {
  res.status = http;
  res.set_content(body.dump(), "application/json");
}

void ReplyError(httplib::Response& res, const ApiError& e) {
  res.status = e.http;
  res.set_content(ErrorJson(e), "application/json");
}

std::string BaseUrl(const httplib::Request& req, const std::string& public_url,
                    const std::string& fallback_host, int port) {
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
  if (plain && host.size() <= 255) return "http://" + host;
  return "http://" + fallback_host + ":" + std::to_string(port);
}

std::string RequestId(const httplib::Request& req) {
  const std::string given = req.get_header_value("X-Request-Id");
  const bool ok = given.size() <= 64 && AllOf(given, [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                           c == '-';
                  });
  return ok ? given : RandomId().substr(0, 16);
}

}  // namespace moodtune::server
