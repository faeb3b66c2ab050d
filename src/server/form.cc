#include "form.h"

#include <algorithm>
#include <functional>

namespace moodtune::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 2046 bchars: DIGIT / ALPHA / ' ( ) + _ , - . / : = ? and space (not last).
bool BoundaryChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// Splits "form-data; name=\"a\"; filename=\"b.jpg\"" into its first token and parameters.
// Quoted values may hold "\\\"" escapes. False when malformed.
bool ParseParams(std::string_view s, std::string& first, HeaderList& params) {
  std::size_t i = s.find(';');
  first = std::string(Trim(s.substr(0, i)));
  while (i != std::string_view::npos && i < s.size()) {
    ++i;  // past ';'
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i == s.size()) break;  // a trailing ';'
    const std::size_t eq = s.find('=', i);
    if (eq == std::string_view::npos) return false;
    std::string key(Trim(s.substr(i, eq - i)));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key.empty()) return false;
    std::string value;
    i = eq + 1;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        const char c = s[i++];
        if (c == '\\' && i < s.size()) {
          value += s[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) return false;
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      if (i < s.size() && s[i] != ';') return false;
    } else {
      const std::size_t end = std::min(s.find(';', i), s.size());
      value = std::string(Trim(s.substr(i, end - i)));
      i = end;
    }
    params.emplace_back(std::move(key), std::move(value));
    if (i >= s.size()) break;
  }
  return true;
}

std::optional<std::string> ParamOf(const HeaderList& params, std::string_view key) {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  return std::nullopt;
}

// The head of one part (from just after the delimiter's CRLF to the blank line).
Status ParsePartHead(std::string_view head, const FormLimits& limits, FormPart& part) {
  std::size_t lines = 0;
  bool disposition = false;
  while (!head.empty()) {
    const std::size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
    if (++lines > limits.max_part_headers)
      return Status::InvalidArgument("multipart: too many headers in a part");
    if (line.size() > limits.max_header_line)
      return Status::InvalidArgument("multipart: a part header line is too long");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return Status::InvalidArgument("multipart: a part header line has no name");
    const std::string_view name = line.substr(0, colon), value = Trim(line.substr(colon + 1));
    if (IEquals(name, "Content-Disposition")) {
      if (disposition) return Status::InvalidArgument("multipart: two Content-Disposition");
      disposition = true;
      std::string kind;
      HeaderList params;
      if (!ParseParams(value, kind, params) || !IEquals(kind, "form-data"))
        return Status::InvalidArgument("multipart: Content-Disposition must be form-data");
      auto part_name = ParamOf(params, "name");
      if (!part_name || part_name->empty())
        return Status::InvalidArgument("multipart: a part has no name");
      part.name = *part_name;
      part.filename = ParamOf(params, "filename").value_or("");
    } else if (IEquals(name, "Content-Type")) {
      part.content_type = std::string(value);
    }
    // Other part headers (Content-Transfer-Encoding, ...) carry nothing we use.
  }
  if (!disposition) return Status::InvalidArgument("multipart: a part has no Content-Disposition");
  return Status::Ok();
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;  // truncated escape
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<HeaderList> ParseUrlEncoded(std::string_view s, const FormLimits& limits) {
  HeaderList out;
  while (!s.empty()) {
    const std::size_t amp = s.find('&');
    const std::string_view piece = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view() : s.substr(amp + 1);
    if (piece.empty()) continue;
    if (out.size() == limits.max_fields)
      return Status::InvalidArgument("more than " + std::to_string(limits.max_fields) +
                                     " query or form fields");
    const std::size_t eq = piece.find('=');
    auto key = PercentDecode(piece.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1), true);
    if (!key || !value) return Status::InvalidArgument("bad percent-encoding in a field");
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
  std::string kind;
  HeaderList params;
  if (!ParseParams(content_type, kind, params) || !IEquals(kind, "multipart/form-data"))
    return std::nullopt;
  auto b = ParamOf(params, "boundary");
  if (!b || b->empty() || b->size() > 70 || b->back() == ' ' ||
      !std::all_of(b->begin(), b->end(), BoundaryChar))
    return std::nullopt;
  return b;
}

Result<std::vector<FormPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                             const FormLimits& limits) {
  const std::string first = "--" + std::string(boundary);
  const std::string delimiter = "\r\n" + first;
  if (body.substr(0, first.size()) != first)
    return Status::InvalidArgument("multipart: the body does not start with the boundary");
  // Boyer-Moore-Horspool: a hostile body cannot make the search quadratic.
  const std::boyer_moore_horspool_searcher search(delimiter.begin(), delimiter.end());
  std::vector<FormPart> parts;
  std::size_t pos = first.size();
  while (true) {
    // After a delimiter: "--" closes the body, CRLF starts a part.
    if (body.substr(pos, 2) == "--") {
      const std::string_view rest = body.substr(pos + 2);
      if (!rest.empty() && rest != "\r\n")
        return Status::InvalidArgument("multipart: data after the closing boundary");
      return parts;
    }
    if (body.substr(pos, 2) != "\r\n")
      return Status::InvalidArgument("multipart: a boundary is not followed by CRLF");
    pos += 2;
    if (parts.size() == limits.max_fields)
      return Status::InvalidArgument("multipart: more than " + std::to_string(limits.max_fields) +
                                     " parts");
    const std::size_t head_end = body.find("\r\n\r\n", pos);
    const std::size_t head_cap =
        limits.max_part_headers * (limits.max_header_line + 2) + 2;  // bounds the search
    if (head_end == std::string_view::npos || head_end - pos > head_cap) {
      if (pos + 2 <= body.size() && body.substr(pos, 2) == "\r\n")
        return Status::InvalidArgument("multipart: a part has no Content-Disposition");
      return Status::InvalidArgument("multipart: a part's headers do not end");
    }
    FormPart part;
    MOODTUNE_RETURN_IF_ERROR(ParsePartHead(body.substr(pos, head_end - pos), limits, part));
    const std::size_t content = head_end + 4;
    const auto found =
        std::search(body.begin() + static_cast<std::ptrdiff_t>(content), body.end(), search);
    if (found == body.end())
      return Status::InvalidArgument("multipart: the body ends inside a part");
    const auto end = static_cast<std::size_t>(found - body.begin());
    part.content = body.substr(content, end - content);
    parts.push_back(std::move(part));
    pos = end + delimiter.size();
  }
}

}  // namespace moodtune::server
