// Pure parts of the listener mood coordinates (issue 15): parsing, matching, calibration,
// re-check.
#include "moodtune/music/listener_mood.h"

#include <gtest/gtest.h>

#include <cmath>

namespace moodtune::music {
namespace {

constexpr const char* kHeader =
    "dzr_sng_id,MSD_sng_id,MSD_track_id,valence,arousal,artist_name,track_name\n";

Track Tr(std::string title, std::string artist, float v, float e) {
  Track t;
  t.title = std::move(title);
  t.artists = {std::move(artist)};
  t.valence = v;
  t.energy = e;
  return t;
}

TEST(ListenerMoodTest, ParsesRowsAndReportsBadOnes) {
  const std::string csv = std::string(kHeader) +
                          "213754,S1,T1,-0.68,0.31,Dark Tranquillity,Insanity's Crescendo\n"
                          "x12,S2,T2,0.1,0.2,A,B\n"
                          "216752,S3,T3,abc,1.5,A,B\n"
                          "216753,S4,T4,0.5,1.5,\"Earth, Wind & Fire\",September\n";
  auto p = ParseDeezerMoodCsv(csv);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->rows, 4);
  ASSERT_EQ(p->tracks.size(), 2u);
  EXPECT_EQ(p->tracks[0].deezer_id, "213754");
  EXPECT_FLOAT_EQ(p->tracks[0].valence, -0.68f);
  EXPECT_FLOAT_EQ(p->tracks[0].arousal, 0.31f);
  EXPECT_EQ(p->tracks[1].artist, "Earth, Wind & Fire");
  ASSERT_EQ(p->errors.size(), 2u);
  EXPECT_EQ(p->errors[0].line, 3);
  EXPECT_EQ(p->errors[1].line, 4);
}

TEST(ListenerMoodTest, RejectsAnotherCsv) {
  auto p = ParseDeezerMoodCsv("title,artists,valence,energy\nA,B,0.1,0.2\n");
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().IsInvalidArgument());
  EXPECT_NE(p.status().message().find("dzr_sng_id"), std::string::npos);
}

TEST(ListenerMoodTest, MatchKeyIgnoresCaseTheSuffixesAndPunctuation) {
  EXPECT_EQ(MatchKey("The Beatles", "Let It Be - Remastered 2009"),
            MatchKey("beatles", "Let it be"));
  EXPECT_EQ(MatchKey("Earth, Wind & Fire", "September (Live)"),
            MatchKey("Earth Wind and Fire", "September"));
  EXPECT_EQ(MatchKey("Adele", "Hello feat. Someone"), MatchKey("ADELE", "hello"));
  EXPECT_NE(MatchKey("Adele", "Hello"), MatchKey("Adele", "Someone Like You"));
  EXPECT_NE(MatchKey("Adele", "Hello"), MatchKey("Lionel Richie", "Hello"));
}

TEST(ListenerMoodTest, PearsonOfKnownSeries) {
  const std::vector<double> x = {1, 2, 3, 4, 5};
  const std::vector<double> up = {2, 4, 6, 8, 10}, down = {5, 4, 3, 2, 1}, flat = {1, 1, 1, 1, 1};
  EXPECT_NEAR(Pearson(x, up), 1.0, 1e-12);
  EXPECT_NEAR(Pearson(x, down), -1.0, 1e-12);
  EXPECT_TRUE(std::isnan(Pearson(x, flat)));
  const std::vector<double> y = {1, 3, 2, 5, 4};  // r = 0.8 (textbook example)
  EXPECT_NEAR(Pearson(x, y), 0.8, 1e-12);
}

TEST(ListenerMoodTest, FitMatchesMeansAndSpreads) {
  // y = 0.2 x + 0.5 exactly: slope and intercept recovered, r = 1.
  const std::vector<double> x = {-2, -1, 0, 1, 2}, y = {0.1, 0.3, 0.5, 0.7, 0.9};
  auto f = FitAxis(x, y);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->n, 5);
  EXPECT_NEAR(f->slope, 0.2, 1e-9);
  EXPECT_NEAR(f->intercept, 0.5, 1e-9);
  EXPECT_NEAR(f->r, 1.0, 1e-9);
  // Noisy: the slope is sd(y)/sd(x), not r times that (least squares would shrink it).
  const std::vector<double> noisy = {0.3, 0.1, 0.5, 0.9, 0.7};
  auto g = FitAxis(x, noisy);
  ASSERT_TRUE(g.ok());
  EXPECT_NEAR(g->r, 0.8, 1e-9);
  EXPECT_NEAR(g->slope, 0.2, 1e-9);
  EXPECT_NEAR(g->Apply(0), 0.5, 1e-9);
}

TEST(ListenerMoodTest, FitNeedsThreeTracksWithSpread) {
  EXPECT_FALSE(FitAxis(std::vector<double>{1, 2}, std::vector<double>{1, 2}).ok());
  EXPECT_FALSE(FitAxis(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3}).ok());
}

TEST(ListenerMoodTest, CalibrationFromSharedTracksMapsAndClamps) {
  const std::vector<Track> cat = {Tr("Sad Song", "A", 0.2f, 0.2f), Tr("Mid Song", "B", 0.5f, 0.5f),
                                  Tr("Glad Song", "C", 0.8f, 0.8f),
                                  Tr("Only Ours", "D", 0.9f, 0.1f)};
  const std::vector<ListenerTrack> listener = {{"1", "C", "Glad Song", 1.0f, 1.0f},
                                               {"2", "A", "Sad Song", -1.0f, -1.0f},
                                               {"3", "Z", "Only Theirs", 5.0f, -5.0f},
                                               {"4", "b", "mid song", 0.0f, 0.0f}};
  const auto shared = MatchShared(cat, listener);
  ASSERT_EQ(shared.size(), 3u);
  EXPECT_EQ(shared[0].catalogue_index, 0u);
  EXPECT_EQ(shared[0].listener_index, 1u);
  auto c = FitCalibration(cat, listener, shared);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_NEAR(c->valence.slope, 0.3, 1e-6);
  EXPECT_NEAR(c->valence.intercept, 0.5, 1e-6);
  const MoodPoint p = c->Apply(0.5f, -0.5f);
  EXPECT_NEAR(p.valence, 0.65f, 1e-6);
  EXPECT_NEAR(p.energy, 0.35f, 1e-6);
  const MoodPoint far = c->Apply(5.0f, -5.0f);  // outside the plane: clamped
  EXPECT_EQ(far.valence, 1.0f);
  EXPECT_EQ(far.energy, 0.0f);

  const auto tracks = ListenerCatalogue(listener, *c, "deezer-mood");
  ASSERT_EQ(tracks.size(), 4u);
  EXPECT_EQ(tracks[2].title, "Only Theirs");
  EXPECT_EQ(tracks[2].deezer_id, "3");
  EXPECT_EQ(tracks[2].deezer_url, "https://www.deezer.com/track/3");
  EXPECT_EQ(tracks[2].genre, "");
  EXPECT_EQ(tracks[2].source, "deezer-mood");
  EXPECT_TRUE(tracks[2].preview_url.empty());
  EXPECT_FLOAT_EQ(tracks[2].valence, 1.0f);
}

TEST(ListenerMoodTest, RecheckSortsByDisagreementAndReportsR) {
  // Four shared tracks; "Wrong" has its hand values swapped against the listeners'.
  const std::vector<Track> cat = {Tr("One", "A", 0.1f, 0.1f), Tr("Two", "B", 0.4f, 0.4f),
                                  Tr("Three", "C", 0.6f, 0.6f), Tr("Wrong", "D", 0.1f, 0.9f)};
  const std::vector<ListenerTrack> listener = {{"1", "A", "One", -1.5f, -1.5f},
                                               {"2", "B", "Two", -0.5f, -0.5f},
                                               {"3", "C", "Three", 0.5f, 0.5f},
                                               {"4", "D", "Wrong", 1.5f, -1.5f}};
  const auto shared = MatchShared(cat, listener);
  auto c = FitCalibration(cat, listener, shared);
  ASSERT_TRUE(c.ok());
  const RecheckReport r = Recheck(cat, listener, shared, *c);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0].catalogue_index, 3u);
  EXPECT_EQ(r.rows[0].deezer_id, "4");
  for (size_t i = 1; i < r.rows.size(); ++i)
    EXPECT_GE(r.rows[i - 1].disagreement, r.rows[i].disagreement);
  EXPECT_LT(r.r_valence_before, 0.5);
  EXPECT_LT(r.r_energy_before, 0.5);
  EXPECT_GT(r.r_valence_after, r.r_valence_before);
  EXPECT_GT(r.r_energy_after, r.r_energy_before);
  EXPECT_GT(r.mean_disagreement_before, 0);
}

}  // namespace
}  // namespace moodtune::music
