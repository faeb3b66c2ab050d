// API errors: the one place where a Status (or a request problem) becomes an HTTP status and
// a machine-readable code, rendered as {"error": {"code": "...", "message": "..."}}.
// Thread-safety: pure functions on values.
#pragma once

#include <string>

#include "moodtune/status.h"

namespace moodtune::server {

struct ApiError {
  int http = 500;
  std::string code;     // snake_case, stable: clients switch on it
  std::string message;  // human-readable; never echoes request bytes
};

// Where a Status came from: the same StatusCode means different things for an uploaded
// image (InvalidArgument = undecodable, 422) than for a query field (400).
enum class ErrorContext { kRequest, kImage, kMusic };

// The Status -> HTTP mapping (STYLE rule 10):
//   kImage:   InvalidArgument -> 422 undecodable_image, ResourceExhausted -> 413 image_too_large
//   others:   InvalidArgument -> 400 invalid_argument,  ResourceExhausted -> 413 too_large
//   NotFound -> 404 not_found, Unsupported -> 415 unsupported_media_type,
//   Unavailable -> 503 unavailable, DeadlineExceeded -> 504 timeout, Internal -> 500 internal.
ApiError FromStatus(const Status& s, ErrorContext ctx = ErrorContext::kRequest);

// Request problems found by the HTTP layer itself.
ApiError MissingField(const std::string& what);           // 400 missing_field
ApiError BadField(const std::string& message);            // 400 invalid_argument
ApiError UnsupportedMediaType(const std::string& got);    // 415 unsupported_media_type
ApiError NoFace();                                        // 422 no_face
ApiError NotReady();                                      // 503 not_ready
ApiError NotFoundError(const std::string& what);          // 404 not_found
// For statuses produced by the HTTP library (413 before the handler, 404 no route, ...).
ApiError FromHttpStatus(int http);

// {"error": {"code": ..., "message": ...}}
std::string ErrorJson(const ApiError& e);

}  // namespace moodtune::server
