// Request parsing and reply helpers for the handlers: image uploads (multipart or
// raw body), form/query fields, JSON and error replies, absolute URLs.
// Thread-safety: pure functions on the request/response they are given.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "errors.h"
#include "http_message.h"

namespace moodtune::server {

// The uploaded image bytes (a view into `req`, valid while req lives) or the reason there is
// none: 400 missing_field (multipart without any of `fields`, or an empty body), 415 for a
// body or part whose media type is not an image.
std::variant<std::string_view, ApiError> ExtractImage(const HttpRequest& req,
                                                      std::initializer_list<const char*> fields);

// A text field from the query string, a urlencoded form or a multipart text part.
std::optional<std::string> Field(const HttpRequest& req, const std::string& name);

void ReplyJson(HttpResponse& res, int http, const nlohmann::ordered_json& body);
// The error as JSON, or, on the device path, in the device protocol (its contract: every
// answer on /v1/device/mood is a protocol body, whatever the status).
void ReplyError(const HttpRequest& req, HttpResponse& res, const ApiError& e);
void ReplyError(HttpResponse& res, const ApiError& e);  // JSON

// Base URL for absolute links: `public_url` if set, else http://<Host header> when the
// header is a plain host[:port] whose host is in `allowed_hosts` (lower case, as
// SplitList + AsciiLower give them), else http://<fallback_host>:<port>. Issue 11: a client's
// Host: evil.example was copied into answers.
std::string BaseUrl(const HttpRequest& req, const std::string& public_url,
                    const std::vector<std::string>& allowed_hosts, const std::string& fallback_host,
                    int port);

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);
// 400 "invalid UTF-8 in <part>" for the first part of the request that is not valid UTF-8,
// else nullopt. Issue 11: invalid UTF-8 gave 500 after the feedback row was written.
// InvalidUtf8InHead checks the path, query parameters and headers (available before the body
// is read); InvalidUtf8InForm the multipart parts: names, filenames, content types, and the
// content of text fields (image fields, with or without a filename, are bytes).
std::optional<ApiError> InvalidUtf8InHead(const HttpRequest& req);
std::optional<ApiError> InvalidUtf8InForm(const HttpRequest& req);

// X-Request-Id from the client when it is 1..64 of [A-Za-z0-9._-], else a new random id.
std::string RequestId(const HttpRequest& req);

}  // namespace moodtune::server
