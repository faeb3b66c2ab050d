// Reads the ONNX protobuf with Debian's libonnx (the classes tools/train also uses). OpenCV's
// parsed Net does not say which layer feeds which, and the residual adds need that.
#include "blazeface_graph.h"

#include "onnx_read.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <unordered_map>

namespace moodtune {
namespace {

using namespace onnx_read;  // NOLINT: the reader helpers

constexpr const char* kGraph = "a BlazeFace graph";

Status Refuse(const onnx::NodeProto& n, const std::string& why) {
  return onnx_read::Refuse(n, kGraph, why);
}

// What a name in the graph stands for while the nodes are read.
struct Value {
  enum class Kind {
    kInputNhwc,  // the graph input, before its transpose to NCHW
    kTensor,     // tensor `tensor` (NCHW as ONNX sees it)
    kNhwc,       // tensor `tensor` transposed to NHWC (a head, before its reshape)
    kZeros,      // ConstantOfShape zeros of `shape`
    kPadded,     // tensor `tensor` followed by zero channels, `shape` in all
  };
  Kind kind = Kind::kTensor;
  int tensor = -1;
  BlazeShape shape;
};

class Reader {
 public:
  explicit Reader(const onnx::GraphProto& g) : g_(g) {
    for (const auto& t : g.initializer()) init_[t.name()] = &t;
    for (const auto& n : g.node())
      for (const auto& in : n.input()) ++uses_[in];
    for (const auto& o : g.output()) ++uses_[o.name()];
  }

  Result<BlazeGraph> Read() {
    if (Status s = ReadInput(); !s.ok()) return s;
    for (const auto& n : g_.node()) {
      if (!n.domain().empty() && n.domain() != "ai.onnx") return Refuse(n, "domain " + n.domain());
      Status s = Node(n);
      if (!s.ok()) return s;
    }
    for (const auto& o : g_.output()) {
      const auto done = std::find_if(graph_.outputs.begin(), graph_.outputs.end(),
                                     [&](const BlazeOutput& b) { return b.name == o.name(); });
      if (done == graph_.outputs.end())
        return Status::Unsupported("not a BlazeFace graph: output " + o.name() + " is not a head");
    }
    if (graph_.outputs.size() != static_cast<std::size_t>(g_.output_size()))
      return Status::Unsupported("not a BlazeFace graph: an output is written twice");
    return std::move(graph_);
  }

 private:
  Status ReadInput() {
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& i : g_.input()) {
      if (init_.count(i.name())) continue;
      if (input != nullptr) return Status::Unsupported("not a BlazeFace graph: several inputs");
      input = &i;
    }
    if (input == nullptr) return Status::Unsupported("not a BlazeFace graph: no input");
    const auto& type = input->type().tensor_type();
    if (type.elem_type() != onnx::TensorProto::FLOAT || type.shape().dim_size() != 4)
      return Status::Unsupported("not a BlazeFace graph: input is not a 4-D float tensor");
    std::int64_t d[4];
    for (int k = 0; k < 4; ++k) {
      d[k] = type.shape().dim(k).has_dim_value() ? type.shape().dim(k).dim_value() : -1;
      if (d[k] < 1 || d[k] > 4096) return Status::Unsupported("not a BlazeFace graph: input size");
    }
    if (d[0] != 1) return Status::Unsupported("not a BlazeFace graph: batch is not 1");
    graph_.input = {static_cast<int>(d[3]), static_cast<int>(d[1]), static_cast<int>(d[2])};
    values_[input->name()] = {Value::Kind::kInputNhwc, -1, graph_.input};
    return Status::Ok();
  }

  // The value named `name`, when it is of `kind`.
  const Value* Get(const std::string& name, Value::Kind kind) const {
    const auto it = values_.find(name);
    return it != values_.end() && it->second.kind == kind ? &it->second : nullptr;
  }

  // Tensor t's step, when t is a convolution's result that nothing has been fused into yet.
  BlazeStep* OpenConv(int t) {
    if (t < 1) return nullptr;
    BlazeStep& s = graph_.steps[static_cast<std::size_t>(t - 1)];
    return s.kind == BlazeStep::Kind::kConv && !s.relu && s.residual < 0 ? &s : nullptr;
  }

  int Add(BlazeStep step) {
    graph_.steps.push_back(std::move(step));
    return static_cast<int>(graph_.steps.size());
  }

  Status Node(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    if (n.output_size() != 1 && !(op == "MaxPool" && n.output_size() == 2 && n.output(1).empty()))
      return Refuse(n, "more than one output");
    const std::string& out = n.output(0);
    if (values_.count(out)) return Refuse(n, "output written twice");
    if (op == "Transpose") return Transpose(n, out);
    if (op == "Conv") return Conv(n, out);
    if (op == "Relu") return Relu(n, out);
    if (op == "Add") return AddNode(n, out);
    if (op == "MaxPool") return MaxPool(n, out);
    if (op == "ConstantOfShape") return Zeros(n, out);
    if (op == "Concat") return Concat(n, out);
    if (op == "Reshape") return Reshape(n, out);
    return Refuse(n, "operation not supported");
  }

  Status Transpose(const onnx::NodeProto& n, const std::string& out) {
    if (Status s = OnlyAttrs(n, kGraph, {"perm"}); !s.ok()) return s;
    if (n.input_size() != 1) return Refuse(n, "inputs");
    const std::vector<std::int64_t> perm = Ints(n, "perm", {});
    if (Get(n.input(0), Value::Kind::kInputNhwc) && perm == std::vector<std::int64_t>{0, 3, 1, 2}) {
      values_[out] = {Value::Kind::kTensor, 0, graph_.input};
      return Status::Ok();
    }
    const Value* v = Get(n.input(0), Value::Kind::kTensor);
    if (v && perm == std::vector<std::int64_t>{0, 2, 3, 1}) {
      values_[out] = {Value::Kind::kNhwc, v->tensor, v->shape};
      return Status::Ok();
    }
    return Refuse(n, "only the input's NHWC->NCHW and a head's NCHW->NHWC transposes");
  }

  Status Conv(const onnx::NodeProto& n, const std::string& out) {
    if (Status s =
            OnlyAttrs(n, kGraph, {"kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"});
        !s.ok())
      return s;
    if (n.input_size() < 2 || n.input_size() > 3) return Refuse(n, "inputs");
    const Value* src = Get(n.input(0), Value::Kind::kTensor);
    const auto w_it = init_.find(n.input(1));
    if (!src || w_it == init_.end())
      return Refuse(n, "input is not a tensor or weights not constant");
    BlazeStep step;
    step.src = src->tensor;
    Result<cv::Mat> w = FloatTensor(*w_it->second);
    if (!w.ok()) return Refuse(n, w.status().message());
    if (w->dims != 4) return Refuse(n, "weights are not 4-D");
    step.weights = *w;
    const int cout = w->size[0], cin_group = w->size[1], kh = w->size[2], kw = w->size[3];
    if (n.input_size() == 3 && !n.input(2).empty()) {
      const auto b_it = init_.find(n.input(2));
      if (b_it == init_.end()) return Refuse(n, "bias not constant");
      Result<cv::Mat> b = FloatTensor(*b_it->second);
      if (!b.ok()) return Refuse(n, b.status().message());
      if (b->total() != static_cast<std::size_t>(cout)) return Refuse(n, "bias size");
      step.bias = b->reshape(1, 1);
    }
    if (!AutoPadUnset(n)) return Refuse(n, "auto_pad");
    const auto kernel = Ints(n, "kernel_shape", {kh, kw});
    const auto strides = Ints(n, "strides", {1, 1});
    const auto pads = Ints(n, "pads", {0, 0, 0, 0});
    const auto dilations = Ints(n, "dilations", {1, 1});
    if (kernel != std::vector<std::int64_t>{kh, kw}) return Refuse(n, "kernel_shape");
    if (strides.size() != 2 || pads.size() != 4 || dilations != std::vector<std::int64_t>{1, 1})
      return Refuse(n, "not a 2-D undilated convolution");
    for (std::int64_t v : strides)
      if (v < 1 || v > 16) return Refuse(n, "stride");
    for (std::int64_t v : pads)
      if (v < 0 || v > 16) return Refuse(n, "padding");
    step.group = static_cast<int>(Int(n, "group", 1));
    const int cin = src->shape.channels;
    const bool depthwise = step.group == cin && cout == cin && cin_group == 1;
    if (!(step.group == 1 && cin_group == cin) && !depthwise)
      return Refuse(n, "groups other than 1 or depthwise");
    step.window = {kh,
                   kw,
                   static_cast<int>(strides[0]),
                   static_cast<int>(strides[1]),
                   static_cast<int>(pads[0]),
                   static_cast<int>(pads[1]),
                   static_cast<int>(pads[2]),
                   static_cast<int>(pads[3])};
    const Window2d& k = step.window;
    step.out = {cout, WindowOutput(src->shape.height, kh, k.stride_h, k.pad_t, k.pad_b),
                WindowOutput(src->shape.width, kw, k.stride_w, k.pad_l, k.pad_r)};
    if (step.out.height < 1 || step.out.width < 1) return Refuse(n, "input too small");
    const BlazeShape shape = step.out;
    values_[out] = {Value::Kind::kTensor, Add(std::move(step)), shape};
    return Status::Ok();
  }

  Status Relu(const onnx::NodeProto& n, const std::string& out) {
    if (Status s = OnlyAttrs(n, kGraph, {}); !s.ok()) return s;
    if (n.input_size() != 1) return Refuse(n, "inputs");
    const Value* v = Get(n.input(0), Value::Kind::kTensor);
    BlazeStep* conv =
        v && v->tensor > 0 ? &graph_.steps[static_cast<std::size_t>(v->tensor - 1)] : nullptr;
    if (!conv || conv->kind != BlazeStep::Kind::kConv || conv->relu || uses_[n.input(0)] != 1)
      return Refuse(n, "only a ReLU on a convolution (or its residual add) used nowhere else");
    conv->relu = true;
    values_[out] = *v;
    return Status::Ok();
  }

  Status AddNode(const onnx::NodeProto& n, const std::string& out) {
    if (Status s = OnlyAttrs(n, kGraph, {}); !s.ok()) return s;
    if (n.input_size() != 2) return Refuse(n, "inputs");
    // The branch: a convolution's result used only here (the later one when both are).
    int branch = -1;
    for (int i = 0; i < 2; ++i) {
      const Value* v = Get(n.input(i), Value::Kind::kTensor);
      if (v && OpenConv(v->tensor) && uses_[n.input(i)] == 1 &&
          (branch < 0 || v->tensor > values_[n.input(branch)].tensor))
        branch = i;
    }
    if (branch < 0) return Refuse(n, "neither input is a convolution used only here");
    const Value& conv = values_[n.input(branch)];
    const Value* other = Get(n.input(1 - branch), Value::Kind::kTensor);
    if (!other) other = Get(n.input(1 - branch), Value::Kind::kPadded);
    if (!other) return Refuse(n, "the shortcut is not a tensor or a zero-padded tensor");
    const BlazeShape& full = other->shape;
    const BlazeShape& own = graph_.shape(other->tensor);
    if (full.channels != conv.shape.channels || full.height != conv.shape.height ||
        full.width != conv.shape.width || own.channels > full.channels)
      return Refuse(n, "shapes differ");
    if (other->tensor >= conv.tensor) return Refuse(n, "shortcut computed after the branch");
    OpenConv(conv.tensor)->residual = other->tensor;
    values_[out] = conv;
    return Status::Ok();
  }

  Status MaxPool(const onnx::NodeProto& n, const std::string& out) {
    if (Status s = OnlyAttrs(n, kGraph, {"kernel_shape", "strides", "pads", "auto_pad", "ceil_mode",
                                 "dilations", "storage_order"});
        !s.ok())
      return s;
    if (n.input_size() != 1) return Refuse(n, "inputs");
    const Value* src = Get(n.input(0), Value::Kind::kTensor);
    if (!src) return Refuse(n, "input is not a tensor");
    const auto kernel = Ints(n, "kernel_shape", {});
    const auto strides = Ints(n, "strides", {1, 1});
    const auto pads = Ints(n, "pads", {0, 0, 0, 0});
    if (!AutoPadUnset(n) || Int(n, "ceil_mode", 0) != 0 || Int(n, "storage_order", 0) != 0 ||
        Ints(n, "dilations", {1, 1}) != std::vector<std::int64_t>{1, 1})
      return Refuse(n, "auto_pad, ceil_mode, dilations or storage_order");
    if (kernel.size() != 2 || strides.size() != 2 || pads != std::vector<std::int64_t>{0, 0, 0, 0})
      return Refuse(n, "only 2-D pools without padding");
    for (std::int64_t v : kernel)
      if (v < 1 || v > 16) return Refuse(n, "kernel");
    for (std::int64_t v : strides)
      if (v < 1 || v > 16) return Refuse(n, "stride");
    BlazeStep step;
    step.kind = BlazeStep::Kind::kMaxPool;
    step.src = src->tensor;
    step.window = {static_cast<int>(kernel[0]), static_cast<int>(kernel[1]),
                   static_cast<int>(strides[0]), static_cast<int>(strides[1])};
    const Window2d& k = step.window;
    step.out = {src->shape.channels, WindowOutput(src->shape.height, k.kernel_h, k.stride_h, 0, 0),
                WindowOutput(src->shape.width, k.kernel_w, k.stride_w, 0, 0)};
    if (step.out.height < 1 || step.out.width < 1) return Refuse(n, "input too small");
    const BlazeShape shape = step.out;
    values_[out] = {Value::Kind::kTensor, Add(std::move(step)), shape};
    return Status::Ok();
  }

  Status Zeros(const onnx::NodeProto& n, const std::string& out) {
    if (Status s = OnlyAttrs(n, kGraph, {"value"}); !s.ok()) return s;
    if (n.input_size() != 1 || !init_.count(n.input(0))) return Refuse(n, "shape not constant");
    if (const onnx::AttributeProto* a = FindAttr(n, "value")) {
      Result<cv::Mat> v = FloatTensor(a->t());
      if (!v.ok() || v->total() != 1 || v->at<float>(0) != 0.0f) return Refuse(n, "not zeros");
    }
    Result<std::vector<std::int64_t>> d = Int64Tensor(*init_.at(n.input(0)));
    if (!d.ok()) return Refuse(n, d.status().message());
    if (d->size() != 4 || (*d)[0] != 1) return Refuse(n, "not a 1 x C x H x W shape");
    for (std::int64_t v : *d)
      if (v < 1 || v > 4096) return Refuse(n, "shape");
    values_[out] = {
        Value::Kind::kZeros,
        -1,
        {static_cast<int>((*d)[1]), static_cast<int>((*d)[2]), static_cast<int>((*d)[3])}};
    return Status::Ok();
  }

  Status Concat(const onnx::NodeProto& n, const std::string& out) {
    if (Status s = OnlyAttrs(n, kGraph, {"axis"}); !s.ok()) return s;
    const std::int64_t axis = Int(n, "axis", 0);
    if (n.input_size() != 2 || (axis != 1 && axis != -3))
      return Refuse(n, "not two inputs on channels");
    const Value* x = Get(n.input(0), Value::Kind::kTensor);
    const Value* z = Get(n.input(1), Value::Kind::kZeros);
    if (!x || !z) return Refuse(n, "only a tensor followed by zeros (a channel pad)");
    if (x->shape.height != z->shape.height || x->shape.width != z->shape.width)
      return Refuse(n, "sizes differ");
    values_[out] = {Value::Kind::kPadded,
                    x->tensor,
                    {x->shape.channels + z->shape.channels, x->shape.height, x->shape.width}};
    return Status::Ok();
  }

  Status Reshape(const onnx::NodeProto& n, const std::string& out) {
    if (Status s = OnlyAttrs(n, kGraph, {}); !s.ok()) return s;
    if (n.input_size() != 2 || !init_.count(n.input(1))) return Refuse(n, "shape not constant");
    const Value* v = Get(n.input(0), Value::Kind::kNhwc);
    if (!v) return Refuse(n, "only a head's NHWC result is reshaped");
    const bool is_output = std::any_of(g_.output().begin(), g_.output().end(),
                                       [&](const auto& o) { return o.name() == out; });
    if (!is_output || uses_[out] != 1)
      return Refuse(n, "a reshaped head must be a graph output only");
    Result<std::vector<std::int64_t>> d = Int64Tensor(*init_.at(n.input(1)));
    if (!d.ok()) return Refuse(n, d.status().message());
    std::int64_t total = 1;
    BlazeOutput o{out, v->tensor, {}};
    for (std::int64_t k : *d) {
      if (k < 1 || k > (1 << 24)) return Refuse(n, "shape must be explicit");
      total *= k;
      o.dims.push_back(static_cast<int>(k));
    }
    const BlazeShape& s = v->shape;
    if (d->empty() || (*d)[0] != 1 ||
        total != static_cast<std::int64_t>(s.channels) * s.height * s.width)
      return Refuse(n, "shape does not fit");
    graph_.outputs.push_back(std::move(o));
    values_[out] = {Value::Kind::kNhwc, v->tensor, v->shape};  // consumed by no node
    return Status::Ok();
  }

  const onnx::GraphProto& g_;
  std::unordered_map<std::string, const onnx::TensorProto*> init_;
  std::unordered_map<std::string, int> uses_;  // how many nodes (and graph outputs) read a name
  std::unordered_map<std::string, Value> values_;
  BlazeGraph graph_;
};

}  // namespace

bool BlazeGraphReaderBuilt() { return true; }

Result<BlazeGraph> ReadBlazeGraph(const std::string& onnx_path) {
  onnx::ModelProto model;
  std::ifstream in(onnx_path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + onnx_path);
  if (!model.ParseFromIstream(&in)) return Status::InvalidArgument(onnx_path + ": not ONNX");
  return Reader(model.graph()).Read();
}

}  // namespace moodtune
