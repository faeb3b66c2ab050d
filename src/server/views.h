// JSON and device-protocol renderings of domain values. Pure functions.
// Thread-safety: pure.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "moodtune/music/recommender.h"
#include "moodtune/vision.h"

namespace moodtune::server {

// As `moodtune analyze --json` prints a face: {"box": [x,y,w,h], "score", "emotion",
// "confidence", "probabilities": {angry: ..}}, plus "mood3" and "mood3_confidence".
nlohmann::ordered_json FaceJson(const Face& f);
// {"id","title","artists":[..],"album","genre","year","valence","energy","moods":[..],
//  "url","spotify_url","deezer_url","preview_url" (string|null),"reason"}
nlohmann::ordered_json TrackJson(const music::Recommendation& r);
nlohmann::ordered_json TracksJson(const std::vector<music::Recommendation>& recs);

// The reference's /recommend answer for `face` and the first track, plus extras:
// music_title, music_artists, music_url, music_preview_url (string|null), class_of_emotion
// ("Happy"|"Sad"|"Neutral"), confidence (percent, 2 decimals), bounding_box_image (null
// when `image_url` is empty: annotated images off or not stored),
// then recommendations (all `recs`) and faces.
nlohmann::ordered_json ReferenceJson(const Face& face, const std::vector<Face>& faces,
                             const std::vector<music::Recommendation>& recs,
                             const std::string& image_url);

// Percent with 2 decimals, as the reference printed it (99.21).
double Percent2(float p01);

// The device protocol answer (moodtune/device_protocol.h) for an ok result: the face's
// emotion and confidence, the emotion's LED colour, and the first track if any.
std::string DeviceOkAnswer(const Face& face, const std::vector<music::Recommendation>& recs);
// status=no_face or status=error with a message.
std::string DeviceNoFaceAnswer();
std::string DeviceErrorAnswer(const std::string& message);

}  // namespace moodtune::server
