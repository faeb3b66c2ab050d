// oneDNN 2.x C++ API (Debian 12's libdnnl-dev 2.6), as onednn_chain.cc.
#include "onednn_blaze.h"

#include "onednn_util.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <dnnl.hpp>
#include <exception>
#include <string>
#include <unordered_map>

namespace moodtune {
namespace {

using Dims = dnnl::memory::dims;
using Tag = dnnl::memory::format_tag;
using Type = dnnl::memory::data_type;

std::size_t Floats(const BlazeShape& s) {
  return static_cast<std::size_t>(s.channels) * s.height * s.width;
}

dnnl::memory::desc Nhwc(const BlazeShape& s) {
  return {{1, s.channels, s.height, s.width}, Type::f32, Tag::nhwc};
}

// Which buffer holds each tensor: a buffer is reused once every reader of its tensor has run
// ("back" at 256x256 has 24 x 128 x 128 activations, 1.5 MB each). A convolution whose
// shortcut is read by nothing later adds into the shortcut's own buffer (in place).
struct BufferPlan {
  std::vector<int> buffer_of;         // per tensor
  std::vector<std::size_t> capacity;  // per buffer, floats
  std::vector<bool> in_place;         // per step: the destination is the shortcut's buffer
};

BufferPlan PlanBuffers(const BlazeGraph& g) {
  const int n = g.tensors();
  std::vector<int> last_use(static_cast<std::size_t>(n), -1);  // step index
  for (int i = 0; i < static_cast<int>(g.steps.size()); ++i) {
    const BlazeStep& s = g.steps[static_cast<std::size_t>(i)];
    last_use[static_cast<std::size_t>(s.src)] = i;
    if (s.residual >= 0) last_use[static_cast<std::size_t>(s.residual)] = i;
  }
  for (const BlazeOutput& o : g.outputs) last_use[static_cast<std::size_t>(o.tensor)] = INT_MAX;
  BufferPlan p;
  p.buffer_of.assign(static_cast<std::size_t>(n), -1);
  p.in_place.assign(g.steps.size(), false);
  std::vector<int> free;
  const auto take = [&](int t) {
    const std::size_t need = Floats(g.shape(t));
    if (free.empty()) {
      p.capacity.push_back(need);
      return static_cast<int>(p.capacity.size()) - 1;
    }
    // The largest free buffer, grown if needed: the big early activations are reused.
    const auto it = std::max_element(free.begin(), free.end(), [&](int a, int b) {
      return p.capacity[static_cast<std::size_t>(a)] < p.capacity[static_cast<std::size_t>(b)];
    });
    const int b = *it;
    free.erase(it);
    p.capacity[static_cast<std::size_t>(b)] =
        std::max(p.capacity[static_cast<std::size_t>(b)], need);
    return b;
  };
  const auto release = [&](int t) {
    const int b = p.buffer_of[static_cast<std::size_t>(t)];
    if (std::find(free.begin(), free.end(), b) == free.end()) free.push_back(b);
  };
  p.buffer_of[0] = take(0);
  if (last_use[0] < 0) release(0);
  for (int i = 0; i < static_cast<int>(g.steps.size()); ++i) {
    const BlazeStep& s = g.steps[static_cast<std::size_t>(i)];
    const int t = i + 1;
    const int r = s.residual;
    if (r >= 0 && r != s.src && last_use[static_cast<std::size_t>(r)] == i &&
        g.shape(r).channels == s.out.channels) {
      p.buffer_of[static_cast<std::size_t>(t)] = p.buffer_of[static_cast<std::size_t>(r)];
      p.in_place[static_cast<std::size_t>(i)] = true;
    } else {
      p.buffer_of[static_cast<std::size_t>(t)] = take(t);
    }
    for (int read : {s.src, r}) {
      if (read >= 0 && last_use[static_cast<std::size_t>(read)] == i &&
          p.buffer_of[static_cast<std::size_t>(read)] != p.buffer_of[static_cast<std::size_t>(t)])
        release(read);
    }
    if (last_use[static_cast<std::size_t>(t)] < 0) release(t);
  }
  return p;
}

struct Step {
  dnnl::primitive prim;
  std::unordered_map<int, dnnl::memory> args;
  // Before the primitive, when set: the shortcut copied into the destination, `from_c`
  // channels of each of `pixels` NHWC pixels into the first channels of `to_c`, the rest 0.
  const float* from = nullptr;
  float* to = nullptr;
  std::size_t pixels = 0;
  int from_c = 0, to_c = 0;
};

void CopyShortcut(const Step& s) {
  if (s.from_c == s.to_c) {
    std::memcpy(s.to, s.from, s.pixels * static_cast<std::size_t>(s.to_c) * sizeof(float));
    return;
  }
  const std::size_t pad = static_cast<std::size_t>(s.to_c - s.from_c) * sizeof(float);
  for (std::size_t p = 0; p < s.pixels; ++p) {
    float* to = s.to + p * static_cast<std::size_t>(s.to_c);
    std::memcpy(to, s.from + p * static_cast<std::size_t>(s.from_c),
                static_cast<std::size_t>(s.from_c) * sizeof(float));
    std::memset(to + s.from_c, 0, pad);
  }
}

}  // namespace

struct OneDnnBlaze::Impl {
  dnnl::engine engine;
  dnnl::stream stream;
  dnnl::memory scratchpad;  // this instance's, for every step (they run one after the other)
  BlazeShape input;
  std::vector<dnnl::memory> buffers;  // the activations' storage (BufferPlan)
  std::vector<dnnl::memory> tensors;  // NHWC views of the buffers, one per tensor
  std::vector<Step> steps;
  std::vector<dnnl::memory> weights;  // per convolution, in oneDNN's layout; may be shared
  std::vector<BlazeOutput> outputs;
};

OneDnnBlaze::OneDnnBlaze(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OneDnnBlaze::~OneDnnBlaze() = default;

Result<std::unique_ptr<OneDnnBlaze>> OneDnnBlaze::Create(const BlazeGraph& graph,
                                                         const OneDnnBlaze* share) {
  if (graph.steps.empty() || graph.outputs.empty())
    return Status::InvalidArgument("oneDNN BlazeFace: empty graph");
  const onednn::OneOmpThread one_thread;
  onednn::QuietJit();
  try {
    auto impl = std::make_unique<Impl>();
    Impl& m = *impl;
    m.engine = share != nullptr ? share->impl_->engine : dnnl::engine(dnnl::engine::kind::cpu, 0);
    m.stream = dnnl::stream(m.engine);
    onednn::Scratchpad scratch;
    m.input = graph.input;
    m.outputs = graph.outputs;
    const BufferPlan plan = PlanBuffers(graph);
    for (std::size_t cap : plan.capacity)
      m.buffers.emplace_back(
          dnnl::memory::desc({static_cast<dnnl::memory::dim>(cap)}, Type::f32, Tag::x), m.engine);
    for (int t = 0; t < graph.tensors(); ++t) {
      m.tensors.emplace_back(
          Nhwc(graph.shape(t)), m.engine,
          m.buffers[static_cast<std::size_t>(plan.buffer_of[static_cast<std::size_t>(t)])]
              .get_data_handle());
    }
    for (std::size_t i = 0; i < graph.steps.size(); ++i) {
      const BlazeStep& s = graph.steps[i];
      const dnnl::memory& src = m.tensors[static_cast<std::size_t>(s.src)];
      const dnnl::memory& dst = m.tensors[i + 1];
      const Window2d& k = s.window;
      if (s.kind == BlazeStep::Kind::kMaxPool) {
        const dnnl::pooling_forward::primitive_desc pd(
            dnnl::pooling_forward::desc(
                dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, src.get_desc(),
                dst.get_desc(), {k.stride_h, k.stride_w}, {k.kernel_h, k.kernel_w}, {0, 0}, {0, 0}),
            onednn::UserScratchpad(), m.engine);
        scratch.Need(pd.scratchpad_desc());
        m.steps.push_back({dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}}});
        continue;
      }
      const int cout = s.out.channels, cin = graph.shape(s.src).channels;
      const Dims wdims = s.group == 1
                             ? Dims{cout, cin, k.kernel_h, k.kernel_w}
                             : Dims{s.group, cout / s.group, cin / s.group, k.kernel_h, k.kernel_w};
      dnnl::post_ops ops;
      if (s.residual >= 0) ops.append_sum(1.f);
      if (s.relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      dnnl::primitive_attr attr = onednn::UserScratchpad();
      attr.set_post_ops(ops);
      dnnl::memory bias;
      if (!s.bias.empty()) {
        bias = dnnl::memory({{cout}, Type::f32, Tag::x}, m.engine);
        std::memcpy(bias.get_data_handle(), s.bias.ptr<float>(),
                    static_cast<std::size_t>(cout) * sizeof(float));
      }
      const dnnl::convolution_forward::primitive_desc pd(
          dnnl::convolution_forward::desc(
              dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
              src.get_desc(), dnnl::memory::desc(wdims, Type::f32, Tag::any),
              s.bias.empty() ? dnnl::memory::desc() : bias.get_desc(), dst.get_desc(),
              {k.stride_h, k.stride_w}, {k.pad_t, k.pad_l}, {k.pad_b, k.pad_r}),
          attr, m.engine);
      scratch.Need(pd.scratchpad_desc());
      const std::size_t at = m.weights.size();
      dnnl::memory weights;
      if (share != nullptr && at < share->impl_->weights.size() &&
          share->impl_->weights[at].get_desc() == pd.weights_desc()) {
        weights = share->impl_->weights[at];
      } else {
        dnnl::memory user_w({wdims, Type::f32, s.group == 1 ? Tag::oihw : Tag::goihw}, m.engine);
        std::memcpy(user_w.get_data_handle(), s.weights.ptr<float>(),
                    s.weights.total() * sizeof(float));
        weights = dnnl::memory(pd.weights_desc(), m.engine);
        dnnl::reorder(user_w, weights).execute(m.stream, user_w, weights);
      }
      m.weights.push_back(weights);
      Step step{dnnl::convolution_forward(pd),
                {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}}};
      if (!s.bias.empty()) step.args[DNNL_ARG_BIAS] = bias;
      if (s.residual >= 0 && !plan.in_place[i]) {
        const BlazeShape& r = graph.shape(s.residual);
        step.from = static_cast<const float*>(
            m.tensors[static_cast<std::size_t>(s.residual)].get_data_handle());
        step.to = static_cast<float*>(dst.get_data_handle());
        step.pixels = static_cast<std::size_t>(r.height) * r.width;
        step.from_c = r.channels;
        step.to_c = cout;
      }
      m.steps.push_back(std::move(step));
    }
    m.stream.wait();
    m.scratchpad = scratch.Make(m.engine);
    for (Step& step : m.steps) step.args[DNNL_ARG_SCRATCHPAD] = m.scratchpad;
    return std::unique_ptr<OneDnnBlaze>(new OneDnnBlaze(std::move(impl)));
  } catch (const dnnl::error& e) {
    return Status::Unsupported(std::string("oneDNN: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("oneDNN BlazeFace: ") + e.what());
  }
}

Result<std::vector<cv::Mat>> OneDnnBlaze::Run(const cv::Mat& input) {
  Impl& m = *impl_;
  const int want[] = {1, m.input.height, m.input.width, m.input.channels};
  if (input.type() != CV_32F || !input.isContinuous() || input.dims != 4 ||
      !std::equal(std::begin(want), std::end(want), input.size.p))
    return Status::InvalidArgument("oneDNN BlazeFace: input blob has the wrong shape");
  const onednn::OneOmpThread one_thread;
  try {
    std::memcpy(m.tensors[0].get_data_handle(), input.ptr<float>(), input.total() * sizeof(float));
    for (const Step& s : m.steps) {
      if (s.from != nullptr) {
        m.stream.wait();
        CopyShortcut(s);
      }
      s.prim.execute(m.stream, s.args);
    }
    m.stream.wait();
    std::vector<cv::Mat> out;
    for (const BlazeOutput& o : m.outputs) {
      cv::Mat mat(static_cast<int>(o.dims.size()), o.dims.data(), CV_32F);
      std::memcpy(mat.ptr<float>(), m.tensors[static_cast<std::size_t>(o.tensor)].get_data_handle(),
                  mat.total() * sizeof(float));
      out.push_back(std::move(mat));
    }
    return out;
  } catch (const dnnl::error& e) {
    return Status::Internal(std::string("oneDNN: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("oneDNN BlazeFace: ") + e.what());
  }
}

}  // namespace moodtune
