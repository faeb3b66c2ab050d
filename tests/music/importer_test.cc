#include "moodtune/music/importer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace moodtune::music {
namespace {

TEST(ImporterTest, OptionDefaults) {
  ImportOptions o;
  EXPECT_EQ(o.format, ImportFormat::kAuto);
  EXPECT_FLOAT_EQ(o.scale_min, 0.0f);
  EXPECT_FLOAT_EQ(o.scale_max, 1.0f);
  EXPECT_EQ(o.default_genre, "unknown");
  EXPECT_EQ(o.columns.title, "title");
  EXPECT_EQ(o.columns.artists, "artists");
}

TEST(ImporterTest, CsvWithMappingReportsBadRowsByLine) {
  const std::string csv =
      "Song,Singer,Style,V,E,Tags\n"
      "Good One,Someone,Gospel,0.8,0.6,joyful;bright\n"
      "\"Comma, Song\",\"A;B\",rock,0.1,0.9,angry\n"
      "No Valence,X,pop,,0.5,\n"
      ",Nobody,pop,0.5,0.5,\n"
      "Too Big,Y,pop,1.5,0.5,\n"
      "Short,Row\n"
      "Last,Z,,0.5,0.5,\n";
  ImportOptions o;
  for (const char* m : {"title=Song", "artists=Singer", "genre=Style", "valence=V", "energy=E",
                        "moods=Tags"})
    ASSERT_TRUE(ApplyColumnOverride(o.columns, m).ok());
  auto r = ParseCsvTracks(csv, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows, 7);
  ASSERT_EQ(r->tracks.size(), 3u);
  EXPECT_EQ(r->tracks[0].genre, "gospel");
  EXPECT_EQ(r->tracks[0].moods, (std::vector<std::string>{"joyful", "bright"}));
  EXPECT_EQ(r->tracks[0].spotify_url, SpotifySearchUrl("Good One", "Someone"));
  EXPECT_EQ(r->tracks[1].title, "Comma, Song");
  EXPECT_EQ(r->tracks[1].artists, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(r->tracks[2].genre, "unknown");
  ASSERT_EQ(r->errors.size(), 4u);
  EXPECT_EQ(r->errors[0].line, 4);
  EXPECT_NE(r->errors[0].message.find("valence"), std::string::npos);
  EXPECT_EQ(r->errors[1].line, 5);
  EXPECT_EQ(r->errors[2].line, 6);
  EXPECT_EQ(r->errors[3].line, 7);
  EXPECT_NE(r->errors[3].message.find("fields"), std::string::npos);
}

TEST(ImporterTest, ScaleRescalesValues) {
  ImportOptions o;
  o.scale_min = 1;
  o.scale_max = 9;
  auto r = ParseCsvTracks("title,artist,valence,energy\nA,B,9,1\nC,D,5,0\n", o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->tracks.size(), 1u);
  EXPECT_FLOAT_EQ(r->tracks[0].valence, 1.0f);
  EXPECT_FLOAT_EQ(r->tracks[0].energy, 0.0f);
  EXPECT_EQ(r->errors.size(), 1u);
  o.scale_max = 1;
  EXPECT_FALSE(ParseCsvTracks("title,artist,valence,energy\n", o).ok());
}

TEST(ImporterTest, MissingRequiredColumnFailsTheFile) {
  auto r = ParseCsvTracks("title,artist,energy\nA,B,0.5\n", {});
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("valence"), std::string::npos);
  EXPECT_TRUE(ParseCsvTracks("", {}).status().IsInvalidArgument());
}

TEST(ImporterTest, MuseFormat) {
  const std::string csv =
      "lastfm_url,track,artist,seeds,number_of_emotion_tags,valence_tags,arousal_tags,"
      "dominance_tags,mbid,spotify_id,genre\n"
      "https://www.last.fm/music/x,Song A,Artist A,\"['aggressive', 'Fun']\",5,1.0,9.0,5.0,"
      "mb1,SPOTIFYID1,rock\n"
      "https://www.last.fm/music/y,Song B,Artist B,['sad'],3,abc,4.0,5.0,,,\n"
      "https://www.last.fm/music/z,Song C,Artist C,['calm'],3,5.0,3.0,5.0,,,\n";
  auto r = ParseTracks(csv, "muse.csv", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->tracks.size(), 2u);
  const Track& a = r->tracks[0];
  EXPECT_EQ(a.title, "Song A");
  EXPECT_FLOAT_EQ(a.valence, 0.0f);
  EXPECT_FLOAT_EQ(a.energy, 1.0f);
  EXPECT_EQ(a.moods, (std::vector<std::string>{"aggressive", "fun"}));
  EXPECT_EQ(a.spotify_id, "SPOTIFYID1");
  EXPECT_EQ(a.spotify_url, "https://open.spotify.com/track/SPOTIFYID1");
  EXPECT_EQ(a.genre, "rock");
  EXPECT_FLOAT_EQ(r->tracks[1].valence, 0.5f);
  EXPECT_EQ(r->tracks[1].genre, "unknown");
  EXPECT_EQ(r->tracks[1].spotify_url, SpotifySearchUrl("Song C", "Artist C"));
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].line, 3);
}

TEST(ImporterTest, JsonArrayAndObjectForms) {
  const std::string json = R"({"tracks": [
    {"title": "A", "artists": ["X", "Y"], "valence": 0.7, "energy": 0.2, "genre": "Jazz",
     "moods": ["mellow"], "year": 1959, "deezer_id": "42"},
    {"name": "B", "artist": "Z", "valence": 0.5, "energy": 0.5},
    {"title": "C", "artist": "Z", "valence": "high", "energy": 0.5},
    7
  ]})";
  auto r = ParseTracks(json, "x.json", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->tracks.size(), 2u);
  EXPECT_EQ(r->tracks[0].artists.size(), 2u);
  EXPECT_EQ(r->tracks[0].genre, "jazz");
  EXPECT_EQ(r->tracks[0].year, 1959);
  EXPECT_EQ(r->tracks[0].deezer_url, "https://www.deezer.com/track/42");
  EXPECT_EQ(r->tracks[1].title, "B");
  ASSERT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(r->errors[0].line, 3);
  EXPECT_EQ(r->errors[1].line, 4);
  EXPECT_TRUE(ParseJsonTracks("[{", {}).status().IsInvalidArgument());
  EXPECT_TRUE(ParseJsonTracks("{\"a\": 1}", {}).status().IsInvalidArgument());
}

TEST(ImporterTest, ImportFileStoresGoodRowsInOneGo) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("moodtune_import_" + std::to_string(::getpid()) + ".csv");
  {
    std::ofstream f(path);
    f << "title,artists,genre,valence,energy\nA,X,pop,0.1,0.2\nB,Y,pop,2,0.2\nC,Z,rock,0.9,0.9\n";
  }
  CatalogueOptions co;
  co.load_default_catalogue = false;
  auto cat = Catalogue::Open(co).value();
  ImportOptions o;
  o.source = "import:test";
  auto r = ImportFile(*cat, path.string(), o);
  std::filesystem::remove(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->added.inserted, 2);
  EXPECT_EQ(r->parsed.errors.size(), 1u);
  EXPECT_EQ(r->parsed.errors[0].line, 3);
  EXPECT_EQ(cat->Stats()->by_source["import:test"], 2);
  EXPECT_TRUE(ImportFile(*cat, "/nonexistent/x.csv", o).status().IsNotFound());
}

TEST(ImporterTest, ColumnOverrideErrorsAndFormats) {
  ColumnMapping m;
  EXPECT_TRUE(ApplyColumnOverride(m, "title").IsInvalidArgument());
  EXPECT_TRUE(ApplyColumnOverride(m, "tempo=BPM").IsInvalidArgument());
  EXPECT_TRUE(ApplyColumnOverride(m, "energy = Arousal").ok());
  EXPECT_EQ(m.energy, "Arousal");
  EXPECT_EQ(*ParseImportFormat("muse"), ImportFormat::kMuse);
  EXPECT_FALSE(ParseImportFormat("xml").ok());
}

}  // namespace
}  // namespace moodtune::music
