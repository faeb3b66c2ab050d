#include "onnx_import.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <map>

#include "trainer.h"

namespace moodtune::train {
namespace {

Result<torch::Tensor> ToTensor(const onnx::TensorProto& t) {
  if (t.data_type() != onnx::TensorProto::FLOAT)
    return Status::InvalidArgument(t.name() + ": not a float tensor");
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  torch::Tensor out = torch::empty(dims, torch::kFloat32);
  if (!t.raw_data().empty()) {
    if (t.raw_data().size() != size_t(n) * sizeof(float))
      return Status::InvalidArgument(t.name() + ": wrong data size");
    std::memcpy(out.data_ptr<float>(), t.raw_data().data(), t.raw_data().size());
  } else {
    if (t.float_data_size() != n) return Status::InvalidArgument(t.name() + ": wrong data size");
    std::copy(t.float_data().begin(), t.float_data().end(), out.data_ptr<float>());
  }
  return out;
}

}  // namespace

Result<Checkpoint> ImportOnnx(const std::string& onnx_path, const PackedDataset& calib) {
  onnx::ModelProto model;
  std::ifstream in(onnx_path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + onnx_path);
  if (!model.ParseFromIstream(&in)) return Status::InvalidArgument(onnx_path + ": not ONNX");
  std::map<std::string, torch::Tensor> init;
  for (const auto& t : model.graph().initializer()) {
    auto tensor = ToTensor(t);
    if (!tensor.ok()) return tensor.status();
    init[t.name()] = *tensor;
  }
  std::vector<torch::Tensor> w, b;
  for (int i = 0; init.count("conv" + std::to_string(i) + ".w"); ++i) {
    w.push_back(init["conv" + std::to_string(i) + ".w"]);
    b.push_back(init["conv" + std::to_string(i) + ".b"]);
  }
  if (w.empty() || !init.count("fc.w") || !init.count("fc.b"))
    return Status::InvalidArgument(onnx_path + ": not a single EmotionNet export (an ensemble?)");
  ModelOptions mo;
  mo.widths.clear();
  for (size_t i = 1; i < w.size(); i += size_t(mo.convs_per_block))
    mo.widths.push_back(w[i].size(0));
  mo.num_classes = init["fc.w"].size(0);
  if (int64_t(w.size()) != int64_t(mo.widths.size()) * mo.convs_per_block)
    return Status::InvalidArgument(onnx_path + ": conv count does not fit the architecture");
  mo.input_size = calib.height;

  torch::NoGradGuard no_grad;
  EmotionNet net(mo);
  net->eval();
  for (size_t i = 0; i < w.size(); ++i) {
    if (net->convs()[i]->weight.sizes() != w[i].sizes())
      return Status::InvalidArgument(onnx_path + ": conv" + std::to_string(i) + " shape differs");
    net->convs()[i]->weight.copy_(w[i]);
  }
  net->fc()->weight.copy_(init["fc.w"]);
  net->fc()->bias.copy_(init["fc.b"]);

  // Per layer, z = conv(x) without bias; the ONNX net computes relu(z + b). With running
  // statistics (mu, var) of z, gamma = sqrt(var + eps) and beta = mu + b give exactly
  // relu(z + b) in eval mode, and about that with batch statistics in train mode.
  const int64_t n = std::min<int64_t>(2048, int64_t(calib.size()));
  if (n == 0) return Status::InvalidArgument("calibration pack is empty");
  auto x = torch::from_blob(const_cast<uint8_t*>(calib.pixels.data()),
                            {n, 1, calib.height, calib.width}, torch::kUInt8)
               .clone();
  x = Normalize(x);
  for (size_t i = 0; i < w.size(); ++i) {
    auto bn = net->bns()[i];  // a copy of the holder: shares the module, not const
    auto conv = net->convs()[i];
    auto z = conv->forward(x);
    auto mu = z.mean({0, 2, 3});
    auto var = z.var({0, 2, 3}, /*unbiased=*/false);
    const double eps = bn->options.eps();
    bn->running_mean.copy_(mu);
    bn->running_var.copy_(var);
    bn->weight.copy_(torch::sqrt(var + eps));
    bn->bias.copy_(mu + b[i]);
    x = torch::relu(bn->forward(z));
    if (net->PoolAfter(i)) x = torch::max_pool2d(x, 2, 2);
  }
  Checkpoint ck;
  ck.model = mo;
  AppendWeights(net, &ck);
  return ck;
}

}  // namespace moodtune::train
