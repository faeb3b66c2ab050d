// oneDNN 2.x C++ API (Debian 12's libdnnl-dev 2.6).
#include "onednn_chain.h"

#include "onednn_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <dnnl.hpp>
#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

namespace moodtune {
namespace {

using Dims = dnnl::memory::dims;
using Tag = dnnl::memory::format_tag;
using Type = dnnl::memory::data_type;

struct Step {
  dnnl::primitive prim;
  std::unordered_map<int, dnnl::memory> args;
};

using onednn::OneOmpThread;
using onednn::UserScratchpad;

}  // namespace

struct OneDnnChain::Impl {
  dnnl::engine engine;
  dnnl::stream stream;
  dnnl::memory input;       // NCHW f32, what the caller's blob is copied into
  dnnl::memory pooled;      // N x C x 1 x 1 f32 (NCHW), the global average pool's output
  dnnl::memory scratchpad;  // this instance's, as large as the largest primitive needs
  std::vector<Step> steps;
  std::vector<dnnl::memory> weights;  // per convolution, in oneDNN's layout; may be shared
  std::vector<int> input_shape;       // N, C, H, W
  cv::Mat dense_weights, dense_bias;
  bool softmax = false;
  onednn::Scratchpad scratch;

  void Need(const dnnl::memory::desc& d) { scratch.Need(d); }
  void Add(dnnl::primitive prim, std::unordered_map<int, dnnl::memory> args) {
    steps.push_back({std::move(prim), std::move(args)});
  }
};

bool OneDnnBuilt() { return true; }

OneDnnChain::OneDnnChain(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OneDnnChain::~OneDnnChain() = default;

Result<std::unique_ptr<OneDnnChain>> OneDnnChain::Create(const ConvChain& chain, int batch,
                                                         int height, int width,
                                                         const OneDnnChain* share) {
  if (chain.stages.empty() || batch < 1 || height < 1 || width < 1)
    return Status::InvalidArgument("oneDNN chain: empty chain or input size");
  const OneOmpThread one_thread;
  onednn::QuietJit();
  try {
    auto impl = std::make_unique<Impl>();
    impl->engine = share != nullptr ? share->impl_->engine : dnnl::engine(dnnl::engine::kind::cpu, 0);
    impl->stream = dnnl::stream(impl->engine);
    const dnnl::primitive_attr plain = UserScratchpad();
    impl->input_shape = {batch, chain.in_channels(), height, width};
    impl->input = dnnl::memory({{batch, chain.in_channels(), height, width}, Type::f32, Tag::nchw},
                               impl->engine);
    dnnl::memory cur = impl->input;
    int h = height, w = width, c = chain.in_channels();
    for (const ConvStage& s : chain.stages) {
      const Window2d& k = s.window;
      const int cout = s.weights.size[0];
      const int oh = WindowOutput(h, k.kernel_h, k.stride_h, k.pad_t, k.pad_b);
      const int ow = WindowOutput(w, k.kernel_w, k.stride_w, k.pad_l, k.pad_r);
      if (oh < 1 || ow < 1) return Status::InvalidArgument("oneDNN chain: input too small");
      const Dims wdims = {cout, c, k.kernel_h, k.kernel_w};
      dnnl::memory bias({{cout}, Type::f32, Tag::x}, impl->engine);
      std::memcpy(bias.get_data_handle(), s.bias.ptr<float>(), static_cast<std::size_t>(cout) * 4);
      const dnnl::memory::desc src_md({batch, c, h, w}, Type::f32, Tag::any);
      const dnnl::memory::desc w_md(wdims, Type::f32, Tag::any);
      const dnnl::memory::desc dst_md({batch, cout, oh, ow}, Type::f32, Tag::any);
      dnnl::primitive_attr attr = UserScratchpad();
      if (s.relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        attr.set_post_ops(ops);
      }
      const dnnl::convolution_forward::primitive_desc pd(
          dnnl::convolution_forward::desc(
              dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md,
              w_md, bias.get_desc(), dst_md, {k.stride_h, k.stride_w}, {k.pad_t, k.pad_l},
              {k.pad_b, k.pad_r}),
          attr, impl->engine);
      impl->Need(pd.scratchpad_desc());
      const std::size_t at = impl->weights.size();
      dnnl::memory weights;
      if (share != nullptr && at < share->impl_->weights.size() &&
          share->impl_->weights[at].get_desc() == pd.weights_desc()) {
        weights = share->impl_->weights[at];
      } else {
        // Made and run here, once: the default scratchpad mode is fine on this thread.
        dnnl::memory user_w({wdims, Type::f32, Tag::oihw}, impl->engine);
        std::memcpy(user_w.get_data_handle(), s.weights.ptr<float>(), s.weights.total() * 4);
        weights = dnnl::memory(pd.weights_desc(), impl->engine);
        dnnl::reorder(user_w, weights).execute(impl->stream, user_w, weights);
      }
      impl->weights.push_back(weights);
      dnnl::memory src = cur;
      if (pd.src_desc() != cur.get_desc()) {
        src = dnnl::memory(pd.src_desc(), impl->engine);
        const dnnl::reorder::primitive_desc rpd(cur, src, plain);
        impl->Need(rpd.scratchpad_desc());
        impl->Add(dnnl::reorder(rpd), {{DNNL_ARG_FROM, cur}, {DNNL_ARG_TO, src}});
      }
      dnnl::memory dst(pd.dst_desc(), impl->engine);
      impl->Add(dnnl::convolution_forward(pd), {{DNNL_ARG_SRC, src},
                                                {DNNL_ARG_WEIGHTS, weights},
                                                {DNNL_ARG_BIAS, bias},
                                                {DNNL_ARG_DST, dst}});
      cur = dst;
      h = oh;
      w = ow;
      c = cout;
      if (s.max_pool) {
        const Window2d& p = *s.max_pool;
        const int ph = WindowOutput(h, p.kernel_h, p.stride_h, p.pad_t, p.pad_b);
        const int pw = WindowOutput(w, p.kernel_w, p.stride_w, p.pad_l, p.pad_r);
        if (ph < 1 || pw < 1) return Status::InvalidArgument("oneDNN chain: input too small");
        const dnnl::pooling_forward::primitive_desc ppd(
            dnnl::pooling_forward::desc(dnnl::prop_kind::forward_inference,
                                        dnnl::algorithm::pooling_max, cur.get_desc(),
                                        dnnl::memory::desc({batch, c, ph, pw}, Type::f32, Tag::any),
                                        {p.stride_h, p.stride_w}, {p.kernel_h, p.kernel_w},
                                        {p.pad_t, p.pad_l}, {p.pad_b, p.pad_r}),
            plain, impl->engine);
        impl->Need(ppd.scratchpad_desc());
        dnnl::memory pooled(ppd.dst_desc(), impl->engine);
        impl->Add(dnnl::pooling_forward(ppd), {{DNNL_ARG_SRC, cur}, {DNNL_ARG_DST, pooled}});
        cur = pooled;
        h = ph;
        w = pw;
      }
    }
    // Global average pool over the last h x w, straight into plain N x C floats.
    const dnnl::pooling_forward::primitive_desc gpd(
        dnnl::pooling_forward::desc(dnnl::prop_kind::forward_inference,
                                    dnnl::algorithm::pooling_avg_exclude_padding, cur.get_desc(),
                                    dnnl::memory::desc({batch, c, 1, 1}, Type::f32, Tag::nchw),
                                    {1, 1}, {h, w}, {0, 0}, {0, 0}),
        plain, impl->engine);
    impl->Need(gpd.scratchpad_desc());
    impl->pooled = dnnl::memory(gpd.dst_desc(), impl->engine);
    impl->Add(dnnl::pooling_forward(gpd), {{DNNL_ARG_SRC, cur}, {DNNL_ARG_DST, impl->pooled}});
    impl->stream.wait();
    if (chain.dense_weights.cols != c) return Status::InvalidArgument("oneDNN chain: dense size");
    // One scratchpad for all steps: they run one after the other.
    impl->scratchpad = impl->scratch.Make(impl->engine);
    for (Step& step : impl->steps) step.args[DNNL_ARG_SCRATCHPAD] = impl->scratchpad;
    impl->dense_weights = chain.dense_weights;
    impl->dense_bias = chain.dense_bias;
    impl->softmax = chain.softmax;
    return std::unique_ptr<OneDnnChain>(new OneDnnChain(std::move(impl)));
  } catch (const dnnl::error& e) {
    return Status::Unsupported(std::string("oneDNN: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("oneDNN chain: ") + e.what());
  }
}

Result<cv::Mat> OneDnnChain::Run(const cv::Mat& input) {
  Impl& m = *impl_;
  if (input.type() != CV_32F || !input.isContinuous() || input.dims != 4 ||
      !std::equal(m.input_shape.begin(), m.input_shape.end(), input.size.p))
    return Status::InvalidArgument("oneDNN chain: input blob has the wrong shape");
  const OneOmpThread one_thread;
  try {
    std::memcpy(m.input.get_data_handle(), input.ptr<float>(), input.total() * sizeof(float));
    for (Step& s : m.steps) s.prim.execute(m.stream, s.args);
    m.stream.wait();
    const int n = m.input_shape[0], classes = m.dense_weights.rows, channels = m.dense_weights.cols;
    const auto* pooled = static_cast<const float*>(m.pooled.get_data_handle());
    cv::Mat out(n, classes, CV_32F);
    for (int i = 0; i < n; ++i) {
      float* o = out.ptr<float>(i);
      const float* x = pooled + static_cast<std::size_t>(i) * channels;
      for (int k = 0; k < classes; ++k) {
        const float* wk = m.dense_weights.ptr<float>(k);
        float a = m.dense_bias.ptr<float>()[k];
        for (int j = 0; j < channels; ++j) a += wk[j] * x[j];
        o[k] = a;
      }
      if (m.softmax) {
        const float top = *std::max_element(o, o + classes);
        float sum = 0;
        for (int k = 0; k < classes; ++k) sum += (o[k] = std::exp(o[k] - top));
        for (int k = 0; k < classes; ++k) o[k] /= sum;
      }
    }
    return out;
  } catch (const dnnl::error& e) {
    return Status::Internal(std::string("oneDNN: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("oneDNN chain: ") + e.what());
  }
}

}  // namespace moodtune
