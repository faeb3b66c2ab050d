#include "blazeface_net.h"

#include <opencv2/dnn.hpp>

#include "blazeface_graph.h"
#include "net_pool.h"
#include "onednn_blaze.h"

namespace moodtune {
namespace {

class OpenCvBlazeFaceNet final : public BlazeFaceNet {
 public:
  OpenCvBlazeFaceNet(const std::string& path, int copies) : nets_(path, copies) {}

  Result<std::vector<cv::Mat>> Run(const cv::Mat& blob) const override {
    try {
      return nets_.Run([&](cv::dnn::Net& net) {
        std::vector<cv::Mat> o;
        net.setInput(blob);
        net.forward(o, kBlazeFaceOutputs);
        for (auto& m : o) m = m.clone();  // the net reuses its buffers on the next call
        return o;
      });
    } catch (const cv::Exception& e) {
      return Status::Internal(std::string("BlazeFace: ") + e.what());
    }
  }
  const char* backend() const override { return "opencv"; }

 private:
  NetPool nets_;
};

class OneDnnBlazeFaceNet final : public BlazeFaceNet {
 public:
  OneDnnBlazeFaceNet(std::vector<std::unique_ptr<OneDnnBlaze>> runners, std::vector<int> order)
      : pool_(std::move(runners)), order_(std::move(order)) {}

  Result<std::vector<cv::Mat>> Run(const cv::Mat& blob) const override {
    Result<std::vector<cv::Mat>> all =
        pool_.Run([&](std::unique_ptr<OneDnnBlaze>& r) { return r->Run(blob); });
    if (!all.ok()) return all.status();
    std::vector<cv::Mat> out;
    for (int i : order_) out.push_back((*all)[static_cast<std::size_t>(i)]);
    return out;
  }
  const char* backend() const override { return "onednn"; }

 private:
  CopyPool<std::unique_ptr<OneDnnBlaze>> pool_;
  std::vector<int> order_;  // graph output index of each of kBlazeFaceOutputs
};

// Unsupported (or the reader's error) when oneDNN cannot run the file.
Result<std::unique_ptr<BlazeFaceNet>> MakeOneDnn(const std::string& path, int copies) {
  Result<BlazeGraph> graph = ReadBlazeGraph(path);
  if (!graph.ok()) return graph.status();
  if (graph->input.channels != 3 || graph->input.height != graph->input.width)
    return Status::Unsupported("BlazeFace graph input is not a square RGB image");
  std::vector<int> order;
  for (const std::string& name : kBlazeFaceOutputs) {
    int at = -1;
    for (std::size_t i = 0; i < graph->outputs.size(); ++i)
      if (graph->outputs[i].name == name) at = static_cast<int>(i);
    if (at < 0) return Status::Unsupported("BlazeFace graph has no output " + name);
    order.push_back(at);
  }
  std::vector<std::unique_ptr<OneDnnBlaze>> runners;
  for (int i = 0; i < PoolSize(copies); ++i) {
    auto r = OneDnnBlaze::Create(*graph, runners.empty() ? nullptr : runners[0].get());
    if (!r.ok()) return r.status();
    runners.push_back(std::move(r).value());
  }
  return std::unique_ptr<BlazeFaceNet>(
      std::make_unique<OneDnnBlazeFaceNet>(std::move(runners), std::move(order)));
}

}  // namespace

Result<std::unique_ptr<BlazeFaceNet>> BlazeFaceNet::Create(const std::string& path,
                                                           const std::string& backend, int copies) {
  if (backend != "auto" && backend != "opencv" && backend != "onednn")
    return Status::InvalidArgument("face backend must be auto, opencv or onednn, not \"" + backend +
                                   "\"");
  if (backend != "opencv") {
    Result<std::unique_ptr<BlazeFaceNet>> fast = MakeOneDnn(path, copies);
    if (fast.ok() || backend == "onednn") {
      if (!fast.ok()) return Status(fast.status().code(), path + ": " + fast.status().message());
      return fast;
    }
  }
  try {
    return std::unique_ptr<BlazeFaceNet>(std::make_unique<OpenCvBlazeFaceNet>(path, copies));
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("cannot load " + path + ": " + e.what());
  }
}

}  // namespace moodtune
