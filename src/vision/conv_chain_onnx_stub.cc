// Built instead of conv_chain_onnx.cc without libonnx (or oneDNN): the emotion net then runs
// on OpenCV DNN.
#include "conv_chain.h"

namespace moodtune {

Result<ConvChain> ReadConvChainFile(const std::string&) {
  return Status::Unsupported("moodtune was built without libonnx (libonnx-dev) or oneDNN");
}

}  // namespace moodtune
