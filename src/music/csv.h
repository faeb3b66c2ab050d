// Minimal RFC 4180 CSV reader over a borrowed buffer (private to moodtune_music).
// Handles quoted fields with commas, doubled quotes and newlines; CRLF or LF.
// Thread-safety: one reader per thread; the text must outlive the reader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace moodtune::music::internal {

class CsvReader {
 public:
  explicit CsvReader(std::string_view text);
  // Reads the next record into *fields (reused). Returns false at end of input.
  // *line is the 1-based line where the record starts; *error is set (and the record is
  // still returned) for an unterminated quote.
  bool Next(std::vector<std::string>* fields, int* line, std::string* error);

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

// Splits "a;b; c" into trimmed, non-empty parts.
std::vector<std::string> SplitList(std::string_view s, char sep = ';');
std::string_view TrimView(std::string_view s);
// A whole (trimmed) field as a finite float; false for empty, partial or non-finite text.
bool ParseFloat(std::string_view s, float* out);
std::string ToLower(std::string_view s);

}  // namespace moodtune::music::internal
