// The service's domain layer: image bytes -> faces (+ annotated image), emotion -> tracks,
// feedback. The HTTP layer (http_server.cc) parses requests and calls one of these.
// Thread-safety: all methods may be called concurrently. The analyzer is shared read-only
// (its nets are guarded inside moodtune_vision); the track list is an immutable snapshot;
// listener history goes through a music::HistoryStore, itself thread-safe (SQLite under a
// mutex, or a PostgreSQL connection pool).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moodtune/music/history_store.h"
#include "moodtune/music/http.h"
#include "moodtune/music/previews.h"
#include "moodtune/music/recommender.h"
#include "moodtune/status.h"
#include "moodtune/vision.h"

namespace moodtune::server {

class ImageStore;
class Metrics;

// A part of an answer that could not be delivered while the rest still was (storage faults):
// rendered as {"code", "message"} in the answer's "warnings" array.
// Uploads are decoded at a reduced scale that keeps at least this long side (issue 12): the
// detector works at 128-256 px, and a face in a 1024 px photo is still far above 48 px.
inline constexpr int kMinDecodeSide = 1024;
// Annotated images are at most this many pixels on their long side (issue 12).
inline constexpr int kMaxAnnotatedSide = 1024;

// The annotated JPEG for an uploaded image and its faces (boxes in the upload's pixels):
// decoded again, shrunk to kMaxAnnotatedSide, drawn, encoded. "" when it cannot be drawn.
std::string RenderAnnotated(std::string_view source, std::vector<Face> faces,
                            const DecodeOptions& decode, int jpeg_quality);

struct Warning {
  std::string code;  // snake_case, stable: annotated_image_not_stored, history_unavailable,
                     // history_not_recorded
  std::string message;
};

struct ImageAnalysis {
  int width = 0;  // decoded image size, pixels
  int height = 0;
  std::vector<Face> faces;        // best first (detector score)
  std::string annotated_id;       // ImageStore id of the annotated JPEG; "" when not asked/stored
  std::vector<Warning> warnings;  // annotation asked for but not stored, and why
};

struct MusicRequest {
  int n = 5;  // filled by the caller from ServerOptions::default_n or the request
  music::Strategy strategy = music::Strategy::kMatch;
  std::vector<std::string> genres;  // include filter; empty = all
  std::string listener;             // "" = anonymous (no history, nothing recorded)
};

class MoodService {
 public:
  // `store` and `metrics` are borrowed and must outlive the service. `history` holds plays
  // and feedback (the SQLite catalogue's tables, or PostgreSQL with a database_url).
  MoodService(std::unique_ptr<music::HistoryStore> history, std::vector<music::Track> tracks,
              ImageStore* store, Metrics* metrics, DecodeOptions decode, int jpeg_quality);

  // Publishes the loaded analyzer; from then on ready() is true.
  void SetAnalyzer(std::shared_ptr<const Analyzer> analyzer);
  bool ready() const;

  // Decodes and analyzes one image; with `annotate`, stores the annotated JPEG. When drawing
  // or storing it fails (store full, encoder error) the analysis is still returned, with no
  // annotated_id and a warning. Unavailable before SetAnalyzer; decode errors as DecodeImage
  // gives them (InvalidArgument, ResourceExhausted); Internal for model failures.
  Result<ImageAnalysis> AnalyzeImage(std::span<const std::uint8_t> bytes, bool annotate) const;

  // Tracks for 7-class probabilities. With a listener: applies their history and records
  // the answer as plays. History storage faults (locked, unwritable or unreachable database)
  // do not fail the call: the answer is computed without history / not recorded and a
  // warning is appended to `warnings` (may be nullptr). InvalidArgument for n outside 1..100.
  Result<std::vector<music::Recommendation>> Recommend(const EmotionProbs& probs,
                                                       const MusicRequest& r,
                                                       std::vector<Warning>* warnings = nullptr);

  // Records like/skip; NotFound for an unknown track id, InvalidArgument for an empty listener.
  // `event_id` ("" = none) makes the write retryable: stored once per listener.
  Status Feedback(const std::string& listener, std::int64_t track_id, music::FeedbackKind kind,
                  const std::string& event_id = "");

  std::size_t track_count() const { return tracks_.size(); }

  // Issue 15: fetch a fresh preview link (Deezer's expire) for each recommended track with a
  // Deezer id through `http` at `api_base`. Without it, tracks without a stored link say why
  // (previews need a provider). Call before serving.
  void EnablePreviews(std::unique_ptr<music::HttpClient> http, std::string api_base);

 private:
  std::shared_ptr<const Analyzer> analyzer() const;

  mutable std::mutex analyzer_mu_;
  std::shared_ptr<const Analyzer> analyzer_;
  std::atomic<bool> ready_{false};
  const std::unique_ptr<music::HistoryStore> history_;
  std::unique_ptr<music::HttpClient> previews_http_;  // nullptr: no lookups
  music::PreviewOptions previews_;
  const std::vector<music::Track> tracks_;
  ImageStore* store_;
  Metrics* metrics_;
  const DecodeOptions decode_;
  const int jpeg_quality_;
  const std::vector<std::string> genres_;  // the catalogue's genres, sorted, unique
};

}  // namespace moodtune::server
