// Built instead of onednn_blaze.cc when oneDNN is not found (MOODTUNE_WITH_ONEDNN off).
#include "onednn_blaze.h"

namespace moodtune {

struct OneDnnBlaze::Impl {};

OneDnnBlaze::OneDnnBlaze(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OneDnnBlaze::~OneDnnBlaze() = default;

Result<std::unique_ptr<OneDnnBlaze>> OneDnnBlaze::Create(const BlazeGraph&, const OneDnnBlaze*) {
  return Status::Unsupported("moodtune was built without oneDNN (libdnnl-dev)");
}

Result<std::vector<cv::Mat>> OneDnnBlaze::Run(const cv::Mat&) {
  return Status::Unsupported("moodtune was built without oneDNN (libdnnl-dev)");
}

}  // namespace moodtune
