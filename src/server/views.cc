#include "views.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "moodtune/device_protocol.h"
#include "moodtune/emotion.h"

namespace moodtune::server {
namespace {

double Round(double v, double scale) { return std::round(v * scale) / scale; }

void CopyTo(char* dst, std::size_t cap, const std::string& s) {
  // The encoder cuts on UTF-8 boundaries at the field limit; cap includes the NUL.
  const std::size_t n = std::min(s.size(), cap - 1);
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
  // A cut inside a UTF-8 sequence: drop the partial character.
  if (n < s.size()) {
    std::size_t k = n;
    while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
    dst[k] = '\0';
  }
}

std::string Encode(const device::MoodAnswer& a) {
  char buf[device::kMaxAnswerBytes];
  const std::size_t n = device::EncodeMoodAnswer(a, buf, sizeof(buf));
  return std::string(buf, n);
}

}  // namespace

double Percent2(float p01) { return Round(static_cast<double>(p01) * 100.0, 100.0); }

nlohmann::ordered_json FaceJson(const Face& f) {
  nlohmann::ordered_json probs = nlohmann::ordered_json::object();
  for (int i = 0; i < kNumEmotions; ++i)
    probs[std::string(EmotionName(Emotion(i)))] = Round(f.probabilities[i], 1e6);
  const auto m3 = ToMood3Probs(f.probabilities);
  const Mood3 top3 = TopMood3(m3);
  const Box& b = f.detection.box;
  return {{"box", {Round(b.x, 10), Round(b.y, 10), Round(b.w, 10), Round(b.h, 10)}},
          {"score", Round(f.detection.score, 1e4)},
          {"emotion", EmotionName(f.emotion)},
          {"confidence", Round(f.confidence, 1e6)},
          {"probabilities", probs},
          {"mood3", Mood3Name(top3)},
          {"mood3_confidence", Round(m3[static_cast<int>(top3)], 1e4)}};
}

nlohmann::ordered_json TrackJson(const music::Recommendation& r) {
  const music::Track& t = r.track;
  return {{"id", t.id},
          {"title", t.title},
          {"artists", t.artists},
          {"album", t.album},
          {"genre", t.genre},
          {"year", t.year},
          {"valence", Round(t.valence, 1e3)},
          {"energy", Round(t.energy, 1e3)},
          {"moods", t.moods},
          {"url", t.spotify_url},
          {"spotify_url", t.spotify_url},
          {"deezer_url", t.deezer_url},
          {"preview_url", t.preview_url.empty() ? nlohmann::ordered_json(nullptr)
                                                : nlohmann::ordered_json(t.preview_url)},
          {"preview_reason", r.preview_reason.empty() ? nlohmann::ordered_json(nullptr)
                                                      : nlohmann::ordered_json(r.preview_reason)},
          {"reason", r.reason.text}};
}

nlohmann::ordered_json TracksJson(const std::vector<music::Recommendation>& recs) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& r : recs) out.push_back(TrackJson(r));
  return out;
}

nlohmann::ordered_json ReferenceJson(const Face& face, const std::vector<Face>& faces,
                             const std::vector<music::Recommendation>& recs,
                             const std::string& image_url) {
  const auto m3 = ToMood3Probs(face.probabilities);
  const Mood3 top = TopMood3(m3);
  nlohmann::ordered_json out = nlohmann::ordered_json::object();  // the reference's order
  const music::Track* t = recs.empty() ? nullptr : &recs.front().track;
  out["music_title"] = t ? t->title : "";
  out["music_artists"] = t ? t->artists : std::vector<std::string>{};
  out["music_url"] = t ? t->spotify_url : "";
  out["music_preview_url"] =
      t && !t->preview_url.empty() ? nlohmann::ordered_json(t->preview_url) : nlohmann::ordered_json(nullptr);
  out["class_of_emotion"] = Mood3Name(top);
  out["confidence"] = Percent2(m3[static_cast<int>(top)]);
  out["bounding_box_image"] =
      image_url.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(image_url);
  out["emotion"] = EmotionName(face.emotion);
  out["recommendations"] = TracksJson(recs);
  nlohmann::ordered_json fs = nlohmann::ordered_json::array();
  for (const Face& f : faces) fs.push_back(FaceJson(f));
  out["faces"] = fs;
  return out;
}

std::string DeviceOkAnswer(const Face& face, const std::vector<music::Recommendation>& recs) {
  device::MoodAnswer a;
  a.status = device::AnswerStatus::kOk;
  a.emotion = static_cast<device::WireEmotion>(static_cast<int>(face.emotion));
  const float c = std::clamp(face.confidence, 0.0f, 1.0f);
  a.confidence_milli = static_cast<std::uint16_t>(std::lround(c * 1000.0f));
  a.has_rgb = 1;
  a.rgb = device::EmotionColor(a.emotion);
  if (!recs.empty()) {
    const music::Track& t = recs.front().track;
    CopyTo(a.title, sizeof(a.title), t.title);
    CopyTo(a.artist, sizeof(a.artist), music::JoinArtists(t.artists));
    CopyTo(a.url, sizeof(a.url), t.spotify_url);
  }
  return Encode(a);
}

std::string DeviceNoFaceAnswer() {
  device::MoodAnswer a;
  a.status = device::AnswerStatus::kNoFace;
  CopyTo(a.error, sizeof(a.error), "no face found");
  return Encode(a);
}

std::string DeviceErrorAnswer(const std::string& message) {
  device::MoodAnswer a;
  a.status = device::AnswerStatus::kError;
  CopyTo(a.error, sizeof(a.error), message);
  return Encode(a);
}

}  // namespace moodtune::server
