// Built instead of onednn_chain.cc when oneDNN is not found (MOODTUNE_WITH_ONEDNN off).
#include "onednn_chain.h"

namespace moodtune {

struct OneDnnChain::Impl {};

bool OneDnnBuilt() { return false; }

OneDnnChain::OneDnnChain(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OneDnnChain::~OneDnnChain() = default;

Result<std::unique_ptr<OneDnnChain>> OneDnnChain::Create(const ConvChain&, int, int, int,
                                                         const OneDnnChain*) {
  return Status::Unsupported("moodtune was built without oneDNN (libdnnl-dev)");
}

Result<cv::Mat> OneDnnChain::Run(const cv::Mat&) {
  return Status::Unsupported("moodtune was built without oneDNN (libdnnl-dev)");
}

}  // namespace moodtune
