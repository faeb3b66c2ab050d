#include "errors.h"

#include <nlohmann/json.hpp>

namespace moodtune::server {

ApiError FromStatus(const Status& s, ErrorContext ctx) {
  const bool image = ctx == ErrorContext::kImage;
  switch (s.code()) {
    case StatusCode::kOk: return {200, "ok", ""};
    case StatusCode::kInvalidArgument:
      return image ? ApiError{422, "undecodable_image", s.message()}
                   : ApiError{400, "invalid_argument", s.message()};
    case StatusCode::kResourceExhausted:
      return {413, image ? "image_too_large" : "too_large", s.message()};
    case StatusCode::kNotFound: return {404, "not_found", s.message()};
    case StatusCode::kUnsupported: return {415, "unsupported_media_type", s.message()};
    case StatusCode::kUnavailable: return {503, "unavailable", s.message()};
    case StatusCode::kDeadlineExceeded: return {504, "timeout", s.message()};
    case StatusCode::kInternal: break;
  }
  return {500, "internal", s.message()};
}

ApiError MissingField(const std::string& what) {
  return {400, "missing_field", "missing field: " + what};
}
ApiError BadField(const std::string& message) { return {400, "invalid_argument", message}; }
ApiError UnsupportedMediaType(const std::string& got) {
  return {415, "unsupported_media_type",
          "expected multipart/form-data or image/jpeg|png|webp|bmp, got \"" + got + "\""};
}
ApiError NoFace() { return {422, "no_face", "no face found in the image"}; }
ApiError NotReady() { return {503, "not_ready", "models are still loading"}; }
ApiError NotFoundError(const std::string& what) { return {404, "not_found", what}; }

ApiError FromHttpStatus(int http) {
  switch (http) {
    case 400: return {400, "bad_request", "malformed HTTP request"};
    case 404: return {404, "no_route", "no such route"};
    case 405: return {405, "method_not_allowed", "method not allowed on this route"};
    case 408: return {408, "timeout", "request timed out"};
    case 413: return {413, "payload_too_large", "request body exceeds the size limit"};
    case 414: return {414, "uri_too_long", "request line too long"};
    case 415: return {415, "unsupported_media_type", "unsupported media type"};
    case 431: return {431, "headers_too_large", "request line and headers exceed the limit"};
    case 503: return {503, "unavailable", "service unavailable"};
    default: break;
  }
  return {http, http >= 500 ? "internal" : "http_error", "HTTP " + std::to_string(http)};
}

std::string ErrorJson(const ApiError& e) {
  return nlohmann::json{{"error", {{"code", e.code}, {"message", e.message}}}}.dump();
}

}  // namespace moodtune::server
