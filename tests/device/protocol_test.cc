#include "moodtune/device_protocol.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "moodtune/emotion.h"

namespace moodtune::device {
namespace {

ParseError Parse(const std::string& s, MoodAnswer* a) { return ParseMoodAnswer(s.data(), s.size(), a); }

std::string Encode(const MoodAnswer& a) {
  char buf[kMaxAnswerBytes];
  const std::size_t n = EncodeMoodAnswer(a, buf, sizeof(buf));
  return std::string(buf, n);
}

TEST(DeviceProtocol, WireEmotionOrderMatchesServiceEmotion) {
  for (int i = 0; i < kNumEmotions; ++i)
    EXPECT_EQ(EmotionName(Emotion(i)), WireEmotionName(static_cast<WireEmotion>(i))) << i;
  EXPECT_EQ(int(kNumWireEmotions), kNumEmotions);
}

TEST(DeviceProtocol, ParsesTheDocumentedExample) {
  MoodAnswer a;
  ASSERT_EQ(Parse("v=1\nstatus=ok\nemotion=happy\nconfidence=0.93\nrgb=255,200,0\n"
                  "title=Landslide\nartist=Fleetwood Mac\nurl=https://x.test/t/1\n", &a),
            ParseError::kOk);
  EXPECT_EQ(a.version, 1);
  EXPECT_EQ(a.status, AnswerStatus::kOk);
  EXPECT_EQ(a.emotion, WireEmotion::kHappy);
  EXPECT_EQ(a.confidence_milli, 930);
  EXPECT_EQ(a.has_rgb, 1);
  EXPECT_EQ(a.rgb, (Rgb{255, 200, 0}));
  EXPECT_STREQ(a.title, "Landslide");
  EXPECT_STREQ(a.artist, "Fleetwood Mac");
  EXPECT_STREQ(a.url, "https://x.test/t/1");
}

TEST(DeviceProtocol, AcceptsCrlfBlankLinesAndUnknownKeys) {
  MoodAnswer a;
  ASSERT_EQ(Parse("v=1\r\nstatus=ok\r\nfuture_key=whatever\r\nemotion=sad\r\nconfidence=1\r\n\r\n", &a),
            ParseError::kOk);
  EXPECT_EQ(a.emotion, WireEmotion::kSad);
  EXPECT_EQ(a.confidence_milli, 1000);
  EXPECT_EQ(a.has_rgb, 0);
  EXPECT_STREQ(a.title, "");
}

TEST(DeviceProtocol, NoTrailingNewlineIsFine) {
  MoodAnswer a;
  EXPECT_EQ(Parse("v=1\nstatus=no_face", &a), ParseError::kOk);
  EXPECT_EQ(a.status, AnswerStatus::kNoFace);
}

TEST(DeviceProtocol, ConfidenceForms) {
  struct Case {
    const char* text;
    int milli;  // -1: rejected
  } cases[] = {{"0", 0},      {"1", 1000},   {"0.5", 500}, {".25", 250}, {"0.9999", 999},
               {"1.000", 1000}, {"1.001", -1}, {"2", -1},    {"1.", -1},   {"", -1},
               {"-0.1", -1},  {"0.5x", -1},  {"0,5", -1},  {"0001", -1}};
  for (const Case& c : cases) {
    MoodAnswer a;
    const ParseError e =
        Parse(std::string("v=1\nstatus=ok\nemotion=fear\nconfidence=") + c.text + "\n", &a);
    if (c.milli < 0) {
      EXPECT_EQ(e, ParseError::kBadValue) << c.text;
    } else {
      ASSERT_EQ(e, ParseError::kOk) << c.text;
      EXPECT_EQ(a.confidence_milli, c.milli) << c.text;
    }
  }
}

TEST(DeviceProtocol, RejectsMalformedAnswers) {
  struct Case {
    std::string text;
    ParseError want;
  } cases[] = {
      {"", ParseError::kNoVersion},
      {"status=ok\nv=1\n", ParseError::kNoVersion},
      {"v=2\nstatus=ok\n", ParseError::kUnsupportedVersion},
      {"v=x\nstatus=ok\n", ParseError::kNoVersion},
      {"v=1\nstatus=ok\nemotion=happy\n", ParseError::kMissingField},
      {"v=1\nstatus=ok\nconfidence=0.5\n", ParseError::kMissingField},
      {"v=1\nemotion=happy\nconfidence=0.5\n", ParseError::kMissingField},
      {"v=1\nstatus=maybe\n", ParseError::kBadValue},
      {"v=1\nstatus=ok\nemotion=contempt\nconfidence=0.5\n", ParseError::kBadValue},
      {"v=1\nstatus=ok\nemotion=Happy\nconfidence=0.5\n", ParseError::kBadValue},
      {"v=1\nstatus=ok\nstatus=ok\n", ParseError::kDuplicateKey},
      {"v=1\nv=1\nstatus=ok\n", ParseError::kDuplicateKey},
      {"v=1\nstatus=no_face\ntitle=a\ntitle=b\n", ParseError::kDuplicateKey},
      {"v=1\nstatus no_face\n", ParseError::kBadLine},
      {"v=1\n=x\n", ParseError::kBadLine},
      {"v=1\nStatus=ok\n", ParseError::kBadLine},
      {"v=1\nstatus=no_face\ntitle=a\tb\n", ParseError::kBadLine},
      {"{\"class_of_emotion\": \"Happy\"}", ParseError::kNoVersion},
      {std::string(kMaxAnswerBytes + 1, 'a'), ParseError::kTooLong},
  };
  for (const Case& c : cases) {
    MoodAnswer a;
    a.status = AnswerStatus::kOk;
    EXPECT_EQ(Parse(c.text, &a), c.want) << c.text;
    EXPECT_EQ(a.status, AnswerStatus::kError) << "a failed parse leaves a default answer";
  }
}

TEST(DeviceProtocol, RgbForms) {
  const char* bad[] = {"1,2", "1,2,3,4", "256,0,0", "a,b,c", ",1,2", "1,,2", "1, 2,3"};
  for (const char* v : bad) {
    MoodAnswer a;
    EXPECT_EQ(Parse(std::string("v=1\nstatus=no_face\nrgb=") + v + "\n", &a), ParseError::kBadValue)
        << v;
  }
  MoodAnswer a;
  ASSERT_EQ(Parse("v=1\nstatus=no_face\nrgb=0,7,255\n", &a), ParseError::kOk);
  EXPECT_EQ(a.rgb, (Rgb{0, 7, 255}));
}

TEST(DeviceProtocol, LongTextIsCutOnUtf8Boundary) {
  // "é" is two bytes; place one across the title limit.
  std::string title(kMaxTitleLen - 1, 'a');
  title += "\xC3\xA9tail";
  MoodAnswer a;
  ASSERT_EQ(Parse("v=1\nstatus=no_face\ntitle=" + title + "\n", &a), ParseError::kOk);
  EXPECT_EQ(std::string(a.title), std::string(kMaxTitleLen - 1, 'a'));
  const std::string url(kMaxUrlLen + 50, 'u');
  ASSERT_EQ(Parse("v=1\nstatus=no_face\nurl=" + url + "\n", &a), ParseError::kOk);
  EXPECT_EQ(std::string(a.url), url.substr(0, kMaxUrlLen));
}

TEST(DeviceProtocol, EncodeParseRoundTrip) {
  MoodAnswer a;
  a.status = AnswerStatus::kOk;
  a.emotion = WireEmotion::kSurprise;
  a.confidence_milli = 57;
  a.has_rgb = 1;
  a.rgb = {1, 2, 3};
  std::snprintf(a.title, sizeof(a.title), "%s", "Sch\xC3\xB6n");
  std::snprintf(a.artist, sizeof(a.artist), "%s", "A, B & C");
  std::snprintf(a.url, sizeof(a.url), "%s", "https://e.test/?a=b=c");
  const std::string wire = Encode(a);
  EXPECT_EQ(wire.rfind("v=1\nstatus=ok\n", 0), 0u) << wire;
  EXPECT_NE(wire.find("confidence=0.057\n"), std::string::npos) << wire;
  MoodAnswer b;
  ASSERT_EQ(Parse(wire, &b), ParseError::kOk) << wire;
  EXPECT_EQ(b.emotion, a.emotion);
  EXPECT_EQ(b.confidence_milli, a.confidence_milli);
  EXPECT_EQ(b.rgb, a.rgb);
  EXPECT_STREQ(b.title, a.title);
  EXPECT_STREQ(b.artist, a.artist);
  EXPECT_STREQ(b.url, a.url);
}

TEST(DeviceProtocol, EncoderCannotBeTrickedIntoExtraLines) {
  MoodAnswer a;
  a.status = AnswerStatus::kNoFace;
  std::snprintf(a.title, sizeof(a.title), "%s", "evil\nstatus=ok\nemotion=happy");
  const std::string wire = Encode(a);
  MoodAnswer b;
  ASSERT_EQ(Parse(wire, &b), ParseError::kOk) << wire;
  EXPECT_EQ(b.status, AnswerStatus::kNoFace);
  EXPECT_STREQ(b.title, "evil status=ok emotion=happy");
}

TEST(DeviceProtocol, EncoderReportsTooSmallBuffer) {
  MoodAnswer a;
  a.status = AnswerStatus::kOk;
  char buf[16];
  EXPECT_EQ(EncodeMoodAnswer(a, buf, sizeof(buf)), 0u);
}

TEST(DeviceProtocol, WorstCaseAnswerFitsTheLimit) {
  MoodAnswer a;
  a.status = AnswerStatus::kOk;
  a.confidence_milli = 1000;
  a.has_rgb = 1;
  a.rgb = {255, 255, 255};
  std::memset(a.title, 'x', kMaxTitleLen);
  std::memset(a.artist, 'x', kMaxArtistLen);
  std::memset(a.url, 'x', kMaxUrlLen);
  std::memset(a.error, 'x', kMaxErrorLen);
  const std::string wire = Encode(a);
  ASSERT_FALSE(wire.empty());
  EXPECT_LE(wire.size(), kMaxAnswerBytes);
  MoodAnswer b;
  EXPECT_EQ(Parse(wire, &b), ParseError::kOk);
}

}  // namespace
}  // namespace moodtune::device
