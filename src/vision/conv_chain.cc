#include "conv_chain.h"

#include <opencv2/dnn/all_layers.hpp>
#include <string>

namespace moodtune {
namespace {

// OpenCV's pooling type enum is private to its sources; these are its first two values.
constexpr int kMaxPool = 0;
constexpr int kAvePool = 1;

Status NotAChain(const std::string& layer, const std::string& why) {
  return Status::Unsupported("not a plain conv chain at layer " + layer + ": " + why);
}

bool Is2d(const std::vector<size_t>& v) { return v.size() == 2; }

Result<Window2d> ConvWindow(const cv::dnn::BaseConvolutionLayer& c, const std::string& name) {
  if (!Is2d(c.kernel_size) || !Is2d(c.strides) || !Is2d(c.pads_begin) || !Is2d(c.pads_end))
    return NotAChain(name, "not a 2-D convolution");
  if (!c.padMode.empty()) return NotAChain(name, "pad mode " + c.padMode);
  for (size_t d : c.dilations)
    if (d != 1) return NotAChain(name, "dilated");
  Window2d w;
  w.kernel_h = static_cast<int>(c.kernel_size[0]);
  w.kernel_w = static_cast<int>(c.kernel_size[1]);
  w.stride_h = static_cast<int>(c.strides[0]);
  w.stride_w = static_cast<int>(c.strides[1]);
  w.pad_t = static_cast<int>(c.pads_begin[0]);
  w.pad_l = static_cast<int>(c.pads_begin[1]);
  w.pad_b = static_cast<int>(c.pads_end[0]);
  w.pad_r = static_cast<int>(c.pads_end[1]);
  return w;
}

Result<Window2d> PoolWindow(const cv::dnn::PoolingLayer& p, const std::string& name) {
  if (!Is2d(p.kernel_size) || !Is2d(p.strides) || !Is2d(p.pads_begin) || !Is2d(p.pads_end))
    return NotAChain(name, "not a 2-D pool");
  if (!p.padMode.empty()) return NotAChain(name, "pad mode " + p.padMode);
  if (p.ceilMode) return NotAChain(name, "ceil mode");
  Window2d w;
  w.kernel_h = static_cast<int>(p.kernel_size[0]);
  w.kernel_w = static_cast<int>(p.kernel_size[1]);
  w.stride_h = static_cast<int>(p.strides[0]);
  w.stride_w = static_cast<int>(p.strides[1]);
  w.pad_t = static_cast<int>(p.pads_begin[0]);
  w.pad_l = static_cast<int>(p.pads_begin[1]);
  w.pad_b = static_cast<int>(p.pads_end[0]);
  w.pad_r = static_cast<int>(p.pads_end[1]);
  return w;
}

}  // namespace

int WindowOutput(int in, int kernel, int stride, int pad_begin, int pad_end) {
  return (in + pad_begin + pad_end - kernel) / stride + 1;
}

Result<ConvChain> ReadConvChain(cv::dnn::Net& net) {
  ConvChain chain;
  // After the global pool only flatten, the dense layer and a softmax may follow.
  enum class Phase { kConvs, kPooled, kDense, kSoftmax } phase = Phase::kConvs;
  try {
    for (const auto& name : net.getLayerNames()) {
      const cv::Ptr<cv::dnn::Layer> l = net.getLayer(net.getLayerId(name));
      const std::string& type = l->type;
      if (type == "Identity" || type == "Flatten") {
        if (type == "Flatten" && phase == Phase::kConvs) return NotAChain(name, "flatten before pooling");
        continue;
      }
      if (phase == Phase::kConvs && type == "Convolution") {
        auto c = l.dynamicCast<cv::dnn::BaseConvolutionLayer>();
        if (!c || l->blobs.empty() || l->blobs[0].dims != 4 || l->blobs[0].type() != CV_32F)
          return NotAChain(name, "unexpected convolution weights");
        auto window = ConvWindow(*c, name);
        if (!window.ok()) return window.status();
        ConvStage s;
        s.weights = l->blobs[0].clone();
        const int cout = s.weights.size[0];
        if (!chain.stages.empty() && s.weights.size[1] != chain.stages.back().weights.size[0])
          return NotAChain(name, "grouped convolution or channel mismatch");
        if (l->blobs.size() > 1) {
          if (static_cast<int>(l->blobs[1].total()) != cout || l->blobs[1].type() != CV_32F)
            return NotAChain(name, "unexpected bias");
          s.bias = l->blobs[1].reshape(1, 1).clone();
        } else {
          s.bias = cv::Mat::zeros(1, cout, CV_32F);
        }
        s.window = *window;
        chain.stages.push_back(std::move(s));
      } else if (phase == Phase::kConvs && type == "ReLU") {
        auto r = l.dynamicCast<cv::dnn::ReLULayer>();
        if (!r || r->negativeSlope != 0.f) return NotAChain(name, "leaky ReLU");
        if (chain.stages.empty() || chain.stages.back().relu || chain.stages.back().max_pool)
          return NotAChain(name, "ReLU not right after a convolution");
        chain.stages.back().relu = true;
      } else if (phase == Phase::kConvs && type == "Pooling") {
        auto p = l.dynamicCast<cv::dnn::PoolingLayer>();
        if (!p) return NotAChain(name, "unknown pooling");
        if (p->globalPooling) {
          if (p->type != kAvePool || chain.stages.empty())
            return NotAChain(name, "global pooling that is not an average after convolutions");
          phase = Phase::kPooled;
          continue;
        }
        if (p->type != kMaxPool || chain.stages.empty() || chain.stages.back().max_pool)
          return NotAChain(name, "pooling that is not one max pool after a convolution");
        auto window = PoolWindow(*p, name);
        if (!window.ok()) return window.status();
        chain.stages.back().max_pool = *window;
      } else if (phase == Phase::kPooled && type == "InnerProduct") {
        if (l->blobs.empty() || l->blobs[0].dims != 2 || l->blobs[0].type() != CV_32F)
          return NotAChain(name, "unexpected dense weights");
        chain.dense_weights = l->blobs[0].clone();
        const int classes = chain.dense_weights.rows;
        if (chain.dense_weights.cols != chain.stages.back().weights.size[0])
          return NotAChain(name, "dense input does not match the last convolution");
        if (l->blobs.size() > 1) {
          if (static_cast<int>(l->blobs[1].total()) != classes || l->blobs[1].type() != CV_32F)
            return NotAChain(name, "unexpected dense bias");
          chain.dense_bias = l->blobs[1].reshape(1, 1).clone();
        } else {
          chain.dense_bias = cv::Mat::zeros(1, classes, CV_32F);
        }
        phase = Phase::kDense;
      } else if (phase == Phase::kDense && type == "Softmax") {
        auto s = l.dynamicCast<cv::dnn::SoftmaxLayer>();
        if (!s || s->logSoftMax) return NotAChain(name, "log-softmax");
        chain.softmax = true;
        phase = Phase::kSoftmax;
      } else {
        return NotAChain(name, "layer type " + type + " here");
      }
    }
  } catch (const cv::Exception& e) {
    return Status::Internal(std::string("reading the network: ") + e.what());
  }
  if (phase != Phase::kDense && phase != Phase::kSoftmax)
    return Status::Unsupported("not a plain conv chain: no global pool and dense layer at the end");
  return chain;
}

}  // namespace moodtune
