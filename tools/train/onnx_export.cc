#include "onnx_export.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cstdio>
#include <fstream>

#include "checkpoint.h"

namespace moodtune::train {
namespace {

void AddInitializer(onnx::GraphProto* g, const std::string& name, const torch::Tensor& t0) {
  auto t = t0.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  auto* init = g->add_initializer();
  init->set_name(name);
  init->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : t.sizes()) init->add_dims(d);
  init->set_raw_data(std::string(reinterpret_cast<const char*>(t.data_ptr<float>()),
                                 size_t(t.numel()) * sizeof(float)));
}

void AddInts(onnx::NodeProto* n, const std::string& name, std::initializer_list<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void AddInt(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

onnx::NodeProto* AddNode(onnx::GraphProto* g, const std::string& op, std::vector<std::string> in,
                         const std::string& out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(out);
  for (auto& i : in) n->add_input(i);
  n->add_output(out);
  return n;
}

void SetShape(onnx::ValueInfoProto* v, const std::string& name, std::vector<int64_t> dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tt->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

// Appends one net's layers, reading `x` and ending in its softmax; returns that output's name.
std::string AddNet(onnx::GraphProto* g, EmotionNet& net, const std::string& prefix, std::string x) {
  for (size_t i = 0; i < net->convs().size(); ++i) {
    const auto& conv = net->convs()[i];
    const auto& bn = net->bns()[i];
    // Fold BN: y = gamma * (conv(x) - mean) / sqrt(var + eps) + beta.
    auto scale = bn->weight / torch::sqrt(bn->running_var + bn->options.eps());
    auto w = conv->weight * scale.view({-1, 1, 1, 1});
    auto b = bn->bias - bn->running_mean * scale;
    const std::string id = prefix + std::to_string(i);
    AddInitializer(g, "conv" + id + ".w", w);
    AddInitializer(g, "conv" + id + ".b", b);
    auto* c = AddNode(g, "Conv", {x, "conv" + id + ".w", "conv" + id + ".b"}, "conv" + id);
    AddInts(c, "kernel_shape", {3, 3});
    AddInts(c, "pads", {1, 1, 1, 1});
    AddInts(c, "strides", {1, 1});
    x = AddNode(g, "Relu", {"conv" + id}, "relu" + id)->output(0);
    if (net->PoolAfter(i)) {
      auto* p = AddNode(g, "MaxPool", {x}, "pool" + id);
      AddInts(p, "kernel_shape", {2, 2});
      AddInts(p, "strides", {2, 2});
      x = p->output(0);
    }
  }
  AddNode(g, "GlobalAveragePool", {x}, prefix + "gap");
  AddInt(AddNode(g, "Flatten", {prefix + "gap"}, prefix + "flat"), "axis", 1);
  AddInitializer(g, prefix + "fc.w", net->fc()->weight);
  AddInitializer(g, prefix + "fc.b", net->fc()->bias);
  auto* gemm = AddNode(g, "Gemm", {prefix + "flat", prefix + "fc.w", prefix + "fc.b"}, prefix + "logits");
  AddInt(gemm, "transB", 1);
  auto* sm = AddNode(g, "Softmax", {prefix + "logits"}, prefix.empty() ? "probs" : prefix + "probs");
  AddInt(sm, "axis", 1);
  return sm->output(0);
}

}  // namespace

Status ExportOnnx(const std::vector<EmotionNet*>& nets, const std::string& path) {
  if (nets.empty()) return Status::InvalidArgument("nothing to export");
  const auto& mo = (*nets[0])->options();
  for (auto* n : nets)
    if ((*n)->options().input_size != mo.input_size || (*n)->options().num_classes != mo.num_classes)
      return Status::InvalidArgument("ensemble members differ in input size or classes");
  torch::NoGradGuard no_grad;
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.set_producer_name("moodtune-train");
  model.set_model_version(1);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(11);
  auto* g = model.mutable_graph();
  g->set_name("EmotionNet");
  SetShape(g->add_input(), "input", {1, mo.input_size, mo.input_size});

  if (nets.size() == 1) {
    AddNet(g, *nets[0], "", "input");
  } else {
    // Ensemble: the mean of the members' probabilities.
    std::vector<std::string> outs;
    for (size_t k = 0; k < nets.size(); ++k)
      outs.push_back(AddNet(g, *nets[k], "m" + std::to_string(k) + ".", "input"));
    AddNode(g, "Sum", outs, "sum");
    AddInitializer(g, "inv_k", torch::full({1}, 1.0f / float(nets.size())));
    AddNode(g, "Mul", {"sum", "inv_k"}, "probs");
  }
  auto* out = g->add_output();
  out->set_name("probs");
  auto* tt = out->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("N");
  tt->mutable_shape()->add_dim()->set_dim_value(mo.num_classes);

  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("ONNX checker rejected the graph: ") + e.what());
  }
  const std::string tmp = path + ".part";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f || !model.SerializeToOstream(&f)) return Status::NotFound("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::Internal("cannot rename " + tmp);
  return Status::Ok();
}

Status ExportOnnx(EmotionNet& net, const std::string& path) { return ExportOnnx({&net}, path); }

Status ExportCheckpointsToOnnx(const std::vector<std::string>& checkpoint_paths,
                               const std::string& path) {
  auto nets = LoadNets(checkpoint_paths);
  if (!nets.ok()) return nets.status();
  std::vector<EmotionNet*> ptrs;
  for (auto& n : *nets) ptrs.push_back(&n);
  return ExportOnnx(ptrs, path);
}

Status ExportCheckpointToOnnx(const std::string& checkpoint_path, const std::string& path) {
  return ExportCheckpointsToOnnx({checkpoint_path}, path);
}

}  // namespace moodtune::train
