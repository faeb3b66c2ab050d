#include "http_message.h"

#include <algorithm>
#include <cctype>

namespace moodtune::server {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

namespace {
const std::string* Find(const HeaderList& list, std::string_view name) {
  for (const auto& [k, v] : list)
    if (IEquals(k, name)) return &v;
  return nullptr;
}
}  // namespace

std::string HttpRequest::get_header_value(std::string_view name) const {
  const std::string* v = Find(headers, name);
  return v ? *v : std::string();
}

bool HttpRequest::has_header(std::string_view name) const { return Find(headers, name); }

std::optional<std::string> HttpRequest::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return std::nullopt;
}

const FormPart* HttpRequest::part(std::string_view name) const {
  for (const FormPart& p : parts)
    if (p.name == name) return &p;
  return nullptr;
}

bool HttpRequest::is_multipart() const {
  return MediaType(get_header_value("Content-Type")) == "multipart/form-data";
}

std::string MediaType(std::string_view content_type) {
  std::string out(content_type.substr(0, content_type.find(';')));
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  std::size_t start = 0;
  while (start < out.size() && std::isspace(static_cast<unsigned char>(out[start]))) ++start;
  out.erase(0, start);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void HttpResponse::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers)
    if (IEquals(k, name)) {
      v = std::move(value);
      return;
    }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string HttpResponse::get_header_value(std::string_view name) const {
  const std::string* v = Find(headers, name);
  return v ? *v : std::string();
}

void HttpResponse::set_content(std::string content, std::string_view content_type) {
  body = std::move(content);
  set_header("Content-Type", std::string(content_type));
}

}  // namespace moodtune::server
