// Built instead of blazeface_graph.cc without libonnx (or without oneDNN, its only user).
#include "blazeface_graph.h"

namespace moodtune {

bool BlazeGraphReaderBuilt() { return false; }

Result<BlazeGraph> ReadBlazeGraph(const std::string&) {
  return Status::Unsupported(
      "moodtune was built without libonnx-dev (or without oneDNN): BlazeFace runs on OpenCV DNN");
}

}  // namespace moodtune
