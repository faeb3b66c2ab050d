// ReadConvChainFile through Debian's libonnx: the ONNX graph itself, node by node, so the
// wiring is checked too (each node reads the one before it), without OpenCV's importer
// (issue 12: parsing the emotion net with OpenCV took 115 ms of the server's start-up).
#include <fstream>
#include <string>
#include <unordered_map>

#include "conv_chain.h"
#include "onnx_read.h"

namespace moodtune {
namespace {

using namespace onnx_read;  // NOLINT: the reader helpers

constexpr const char* kGraph = "a plain conv chain";

Status Refuse(const onnx::NodeProto& n, const std::string& why) {
  return onnx_read::Refuse(n, kGraph, why);
}

// kernel, stride and pads (ONNX order: begin h, begin w, end h, end w) as a Window2d.
Result<Window2d> WindowOf(const onnx::NodeProto& n) {
  const auto k = Ints(n, "kernel_shape", {});
  const auto s = Ints(n, "strides", {1, 1});
  const auto p = Ints(n, "pads", {0, 0, 0, 0});
  const auto d = Ints(n, "dilations", {1, 1});
  if (k.size() != 2 || s.size() != 2 || p.size() != 4 || d != std::vector<std::int64_t>{1, 1} ||
      !AutoPadUnset(n))
    return Refuse(n, "not a plain 2-D window");
  Window2d w;
  w.kernel_h = static_cast<int>(k[0]);
  w.kernel_w = static_cast<int>(k[1]);
  w.stride_h = static_cast<int>(s[0]);
  w.stride_w = static_cast<int>(s[1]);
  w.pad_t = static_cast<int>(p[0]);
  w.pad_l = static_cast<int>(p[1]);
  w.pad_b = static_cast<int>(p[2]);
  w.pad_r = static_cast<int>(p[3]);
  for (int v : {w.kernel_h, w.kernel_w, w.stride_h, w.stride_w})
    if (v < 1 || v > 64) return Refuse(n, "window out of range");
  for (int v : {w.pad_t, w.pad_l, w.pad_b, w.pad_r})
    if (v < 0 || v > 64) return Refuse(n, "padding out of range");
  return w;
}

Result<ConvChain> Read(const onnx::GraphProto& g) {
  std::unordered_map<std::string, const onnx::TensorProto*> init;
  for (const auto& t : g.initializer()) init[t.name()] = &t;
  std::unordered_map<std::string, int> uses;
  for (const auto& n : g.node())
    for (const auto& in : n.input()) ++uses[in];
  std::string current;  // the one data input: the graph input, then each node's output
  for (const auto& i : g.input())
    if (!init.count(i.name())) {
      if (!current.empty()) return Status::Unsupported("not a plain conv chain: two inputs");
      current = i.name();
    }
  if (current.empty() || g.output_size() != 1)
    return Status::Unsupported("not a plain conv chain: needs one input and one output");
  const auto weights = [&](const onnx::NodeProto& n, int at) -> Result<cv::Mat> {
    if (n.input_size() <= at) return Refuse(n, "missing input");
    auto it = init.find(n.input(at));
    if (it == init.end()) return Refuse(n, "input " + n.input(at) + " is not a constant");
    return FloatTensor(*it->second);
  };
  ConvChain chain;
  enum class Phase { kConvs, kPooled, kFlat, kDense, kSoftmax } phase = Phase::kConvs;
  for (const auto& n : g.node()) {
    if (!n.domain().empty() && n.domain() != "ai.onnx") return Refuse(n, "domain " + n.domain());
    if (n.input_size() < 1 || n.input(0) != current || n.output_size() != 1)
      return Refuse(n, "does not read the previous node's output alone");
    if (uses[current] != 1) return Refuse(n, "an output is read twice");
    const std::string& op = n.op_type();
    if (phase == Phase::kConvs && op == "Conv") {
      if (Status s = OnlyAttrs(n, kGraph, {"kernel_shape", "strides", "pads", "dilations", "group",
                                   "auto_pad"});
          !s.ok())
        return s;
      if (Int(n, "group", 1) != 1) return Refuse(n, "grouped");
      auto window = WindowOf(n);
      if (!window.ok()) return window.status();
      auto w = weights(n, 1);
      if (!w.ok()) return w.status();
      const int cin = chain.stages.empty() ? -1 : chain.stages.back().weights.size[0];
      if (w->dims != 4 || (cin > 0 && w->size[1] != cin) || w->size[2] != window->kernel_h ||
          w->size[3] != window->kernel_w)
        return Refuse(n, "weights do not fit");
      ConvStage s;
      s.weights = std::move(w).value();
      const int cout = s.weights.size[0];
      if (n.input_size() > 2) {
        auto b = weights(n, 2);
        if (!b.ok()) return b.status();
        if (static_cast<int>(b->total()) != cout) return Refuse(n, "bias does not fit");
        s.bias = b->reshape(1, 1);
      } else {
        s.bias = cv::Mat::zeros(1, cout, CV_32F);
      }
      s.window = *window;
      chain.stages.push_back(std::move(s));
    } else if (phase == Phase::kConvs && op == "Relu") {
      if (n.attribute_size() != 0) return Refuse(n, "attributes");
      if (chain.stages.empty() || chain.stages.back().relu || chain.stages.back().max_pool)
        return Refuse(n, "not right after a convolution");
      chain.stages.back().relu = true;
    } else if (phase == Phase::kConvs && op == "MaxPool") {
      if (Status s = OnlyAttrs(n, kGraph, {"kernel_shape", "strides", "pads", "dilations", "ceil_mode",
                                   "auto_pad", "storage_order"});
          !s.ok())
        return s;
      if (Int(n, "ceil_mode", 0) != 0 || Int(n, "storage_order", 0) != 0)
        return Refuse(n, "ceil mode or storage order");
      if (chain.stages.empty() || chain.stages.back().max_pool)
        return Refuse(n, "not one pool after a convolution");
      auto window = WindowOf(n);
      if (!window.ok()) return window.status();
      chain.stages.back().max_pool = *window;
    } else if (phase == Phase::kConvs && op == "GlobalAveragePool") {
      if (chain.stages.empty() || n.attribute_size() != 0) return Refuse(n, "unexpected");
      phase = Phase::kPooled;
    } else if (phase == Phase::kPooled && op == "Flatten") {
      if (Status s = OnlyAttrs(n, kGraph, {"axis"}); !s.ok()) return s;
      if (Int(n, "axis", 1) != 1) return Refuse(n, "axis");
      phase = Phase::kFlat;
    } else if (phase == Phase::kFlat && op == "Gemm") {
      if (Status s = OnlyAttrs(n, kGraph, {"alpha", "beta", "transA", "transB"}); !s.ok()) return s;
      if (Float(n, "alpha", 1.f) != 1.f || Float(n, "beta", 1.f) != 1.f || Int(n, "transA", 0) != 0)
        return Refuse(n, "scaled or transposed input");
      auto w = weights(n, 1);
      if (!w.ok()) return w.status();
      if (w->dims != 2) return Refuse(n, "weights are not 2-D");
      cv::Mat wt = Int(n, "transB", 0) != 0 ? *w : w->t();  // [classes, channels]
      if (wt.cols != chain.stages.back().weights.size[0])
        return Refuse(n, "dense input does not match the last convolution");
      chain.dense_weights = wt.clone();
      if (n.input_size() > 2) {
        auto b = weights(n, 2);
        if (!b.ok()) return b.status();
        if (static_cast<int>(b->total()) != wt.rows) return Refuse(n, "bias does not fit");
        chain.dense_bias = b->reshape(1, 1);
      } else {
        chain.dense_bias = cv::Mat::zeros(1, wt.rows, CV_32F);
      }
      phase = Phase::kDense;
    } else if (phase == Phase::kDense && op == "Softmax") {
      if (Status s = OnlyAttrs(n, kGraph, {"axis"}); !s.ok()) return s;
      const std::int64_t axis = Int(n, "axis", 1);  // opset 11's default; the input is 2-D
      if (axis != 1 && axis != -1) return Refuse(n, "softmax over another axis");
      chain.softmax = true;
      phase = Phase::kSoftmax;
    } else {
      return Refuse(n, "not expected here");
    }
    current = n.output(0);
  }
  if (phase != Phase::kDense && phase != Phase::kSoftmax)
    return Status::Unsupported("not a plain conv chain: no global pool and dense layer at the end");
  if (g.output(0).name() != current)
    return Status::Unsupported("not a plain conv chain: the output is not the last node's");
  return chain;
}

}  // namespace

Result<ConvChain> ReadConvChainFile(const std::string& onnx_path) {
  onnx::ModelProto model;
  std::ifstream in(onnx_path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + onnx_path);
  if (!model.ParseFromIstream(&in)) return Status::InvalidArgument(onnx_path + ": not ONNX");
  return Read(model.graph());
}

}  // namespace moodtune
