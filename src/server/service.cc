#include "service.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <opencv2/imgproc.hpp>

#include "image_store.h"
#include "metrics.h"
#include "moodtune/music/catalogue.h"

namespace moodtune::server {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::int64_t UnixNow() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

MoodService::MoodService(std::unique_ptr<music::HistoryStore> history,
                         std::vector<music::Track> tracks, ImageStore* store, Metrics* metrics,
                         DecodeOptions decode, int jpeg_quality)
    : history_(std::move(history)),
      tracks_(std::move(tracks)),
      store_(store),
      metrics_(metrics),
      decode_(decode),
      jpeg_quality_(jpeg_quality),
      genres_(music::GenresOf(tracks_)) {}

void MoodService::SetAnalyzer(std::shared_ptr<const Analyzer> analyzer) {
  {
    std::lock_guard<std::mutex> lock(analyzer_mu_);
    analyzer_ = std::move(analyzer);
  }
  ready_ = true;
}

bool MoodService::ready() const { return ready_; }

std::shared_ptr<const Analyzer> MoodService::analyzer() const {
  std::lock_guard<std::mutex> lock(analyzer_mu_);
  return analyzer_;
}

namespace {
// Boxes and keypoints multiplied by `s`: from one image's pixels to a scaled copy's.
void ScaleFaces(std::vector<Face>& faces, float s) {
  for (Face& f : faces) {
    Box& b = f.detection.box;
    b = {b.x * s, b.y * s, b.w * s, b.h * s};
    for (Point& p : f.detection.keypoints) p = {p.x * s, p.y * s};
  }
}
}  // namespace

std::string RenderAnnotated(std::string_view source, std::vector<Face> faces,
                            const DecodeOptions& decode, int jpeg_quality) {
  auto img = DecodeImage(
      std::span(reinterpret_cast<const std::uint8_t*>(source.data()), source.size()), decode);
  if (!img.ok()) return "";
  try {
    cv::Mat shown = *img;
    const int long_side = std::max(shown.cols, shown.rows);
    if (long_side > kMaxAnnotatedSide) {
      const double s = static_cast<double>(kMaxAnnotatedSide) / long_side;
      cv::resize(*img, shown, {}, s, s, cv::INTER_AREA);
      ScaleFaces(faces, static_cast<float>(s));
    }
    auto jpeg = EncodeJpeg(Annotate(shown, faces), jpeg_quality);
    if (!jpeg.ok()) return "";
    return std::string(jpeg->begin(), jpeg->end());
  } catch (const cv::Exception&) {
    return "";
  }
}

Result<ImageAnalysis> MoodService::AnalyzeImage(std::span<const std::uint8_t> bytes,
                                                bool annotate) const {
  auto net = analyzer();
  if (!net) return Status::Unavailable("models are still loading");
  auto t0 = std::chrono::steady_clock::now();
  // Issue 12: a JPEG is decoded only as large as the answer needs (libjpeg DCT scaling);
  // boxes and keypoints are mapped back to the upload's pixels.
  auto img = DecodeImageReduced(bytes, decode_, kMinDecodeSide);
  metrics_->ObserveStage("decode", SecondsSince(t0));
  if (!img.ok()) return img.status();
  t0 = std::chrono::steady_clock::now();
  AnalyzeTimings timings;
  auto faces = net->Analyze(img->bgr, false, &timings);
  metrics_->ObserveStage("analyze", SecondsSince(t0));
  metrics_->ObserveStage("detect", timings.detect);
  metrics_->ObserveStage("align", timings.align);
  metrics_->ObserveStage("classify", timings.classify);
  if (!faces.ok()) return faces.status();
  ImageAnalysis out;
  out.width = img->width;
  out.height = img->height;
  out.faces = std::move(faces).value();
  if (img->scale != 1) ScaleFaces(out.faces, static_cast<float>(img->scale));
  if (annotate) {
    // Drawn and encoded only when /static/<id>.jpg is fetched (issue 12): keep the source
    // bytes and the faces, counted at the source's size against the store's byte budget.
    auto source = std::make_shared<const std::string>(bytes.begin(), bytes.end());
    out.annotated_id = store_->PutLazy(
        static_cast<std::int64_t>(source->size()),
        [source, faces = out.faces, decode = decode_, quality = jpeg_quality_, metrics = metrics_] {
          const auto start = std::chrono::steady_clock::now();
          std::string jpeg = RenderAnnotated(*source, faces, decode, quality);
          metrics->ObserveStage("annotate", SecondsSince(start));
          return jpeg;
        });
    if (out.annotated_id.empty())
      out.warnings.push_back({"annotated_image_not_stored", "the annotated-image store is full"});
  }
  return out;
}

Result<std::vector<music::Recommendation>> MoodService::Recommend(const EmotionProbs& probs,
                                                                  const MusicRequest& r,
                                                                  std::vector<Warning>* warnings) {
  auto warn = [warnings](std::string code, const Status& s) {
    if (warnings) warnings->push_back({std::move(code), s.message()});
  };
  const auto t0 = std::chrono::steady_clock::now();
  music::RecommendOptions o;
  o.n = r.n;
  o.strategy = r.strategy;
  o.include_genres = r.genres;
  music::ListenerHistory history;
  if (!r.listener.empty()) {
    const auto read_start = std::chrono::steady_clock::now();
    auto h =
        music::LoadHistory(*history_, r.listener, music::CatalogueOptions{}.recent_plays, tracks_);
    metrics_->ObserveStage("history_read", SecondsSince(read_start));
    // A storage fault costs the personalisation, not the answer.
    if (h.ok())
      history = std::move(h).value();
    else
      warn("history_unavailable", h.status());
  }
  auto recs = music::Recommend(tracks_, probs, history, o);
  if (!recs.ok()) return recs.status();
  // Issue 13: genre=polka answered 200 and [] without a word. Name the unknown genres and
  // the ones the catalogue has.
  std::string unknown;
  for (const auto& g : r.genres) {
    const std::string key = music::NormalizeGenre(g);
    if (!std::binary_search(genres_.begin(), genres_.end(), key))
      unknown += (unknown.empty() ? "'" : ", '") + key + "'";
  }
  if (!unknown.empty()) {
    const std::string known = music::JoinArtists(genres_);  // "a, b, c"
    warn("unknown_genre", Status::InvalidArgument("no track in the catalogue has genre " + unknown +
                                                  "; its genres: " + known));
  }
  // Issue 15: tracks imported without a genre never match a genre filter; say so.
  if (auto w = music::GenreFilterWarning(tracks_, r.genres); w && warnings)
    warnings->push_back({w->code, w->message});
  {
    std::vector<music::Track> shown;
    for (const auto& rec : *recs) shown.push_back(rec.track);
    const auto reasons =
        music::RefreshPreviews(shown, previews_http_.get(), music::SystemClock(), previews_);
    for (std::size_t i = 0; i < shown.size(); ++i) {
      (*recs)[i].track.preview_url = shown[i].preview_url;
      (*recs)[i].preview_reason = reasons[i];
    }
  }
  if (!r.listener.empty()) {
    std::vector<std::int64_t> ids;
    for (const auto& rec : *recs) ids.push_back(rec.track.id);
    const auto write_start = std::chrono::steady_clock::now();
    Status played = history_->RecordPlays(r.listener, ids, UnixNow());
    metrics_->ObserveStage("history_write", SecondsSince(write_start));
    if (!played.ok()) warn("history_not_recorded", played);
  }
  metrics_->ObserveStage("recommend", SecondsSince(t0));
  return recs;
}

void MoodService::EnablePreviews(std::unique_ptr<music::HttpClient> http, std::string api_base) {
  previews_http_ = std::move(http);
  if (!api_base.empty()) previews_.api_base = std::move(api_base);
}

Status MoodService::Feedback(const std::string& listener, std::int64_t track_id,
                             music::FeedbackKind kind, const std::string& event_id) {
  if (listener.empty()) return Status::InvalidArgument("listener must not be empty");
  // Track ids are checked against this process's catalogue: the PostgreSQL store keeps ids
  // only (no tracks table to reference).
  const bool known = std::any_of(tracks_.begin(), tracks_.end(),
                                 [track_id](const music::Track& t) { return t.id == track_id; });
  if (!known) return Status::NotFound("no track " + std::to_string(track_id));
  return history_->RecordFeedback(listener, track_id, kind, UnixNow(), event_id);
}

}  // namespace moodtune::server
