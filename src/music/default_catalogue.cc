#include "moodtune/music/catalogue.h"
#include "moodtune/music/importer.h"

namespace moodtune::music {
namespace internal {
extern const std::string_view kDefaultCatalogueCsv;  // generated from assets/catalogue.csv
}

std::string_view DefaultCatalogueCsv() { return internal::kDefaultCatalogueCsv; }

Result<std::vector<Track>> DefaultCatalogueTracks() {
  ImportOptions o;
  o.format = ImportFormat::kCsv;
  o.source = "default";
  auto parsed = ParseCsvTracks(DefaultCatalogueCsv(), o);
  if (!parsed.ok()) return parsed.status();
  // The shipped file must be clean: a bad row is a bug in assets/catalogue.csv.
  if (!parsed->errors.empty())
    return Status::Internal("assets/catalogue.csv line " +
                            std::to_string(parsed->errors.front().line) + ": " +
                            parsed->errors.front().message);
  return std::move(parsed->tracks);
}

}  // namespace moodtune::music
