#include "checkpoint.h"

#include <cstdio>
#include <cstring>
#include <fstream>

namespace moodtune::train {
namespace {

template <typename T>
void Put(std::ofstream& f, T v) {
  f.write(reinterpret_cast<const char*>(&v), sizeof(T));
}

class Reader {
 public:
  explicit Reader(std::ifstream& f) : f_(f) {}
  template <typename T>
  bool Get(T* v) {
    return static_cast<bool>(f_.read(reinterpret_cast<char*>(v), sizeof(T)));
  }
  bool Bytes(void* dst, size_t n) {
    return static_cast<bool>(f_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n)));
  }

 private:
  std::ifstream& f_;
};

constexpr uint32_t kMaxTensors = 10000;
constexpr uint32_t kMaxName = 1000;
constexpr int64_t kMaxElements = int64_t(1) << 30;

}  // namespace

Status SaveCheckpoint(const Checkpoint& ck, const std::string& path) {
  const std::string tmp = path + ".part";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::NotFound("cannot write checkpoint " + tmp);
    f.write("MTCK", 4);
    Put<uint32_t>(f, 1);
    Put<uint32_t>(f, static_cast<uint32_t>(ck.model.widths.size()));
    for (int64_t w : ck.model.widths) Put<int64_t>(f, w);
    Put<int64_t>(f, ck.model.convs_per_block);
    Put<double>(f, ck.model.dropout);
    Put<int64_t>(f, ck.model.input_size);
    Put<int64_t>(f, ck.model.num_classes);
    Put<int64_t>(f, ck.epoch);
    Put<int64_t>(f, ck.total_epochs);
    Put<double>(f, ck.best_val_acc);
    Put<int64_t>(f, ck.best_epoch);
    Put<uint64_t>(f, ck.seed);
    Put<uint32_t>(f, static_cast<uint32_t>(ck.tensors.size()));
    for (const auto& [name, t0] : ck.tensors) {
      auto t = t0.detach().to(torch::kCPU, torch::kFloat32).contiguous();
      Put<uint32_t>(f, static_cast<uint32_t>(name.size()));
      f.write(name.data(), static_cast<std::streamsize>(name.size()));
      Put<uint32_t>(f, static_cast<uint32_t>(t.dim()));
      for (int64_t d : t.sizes()) Put<int64_t>(f, d);
      f.write(reinterpret_cast<const char*>(t.data_ptr<float>()),
              static_cast<std::streamsize>(t.numel() * sizeof(float)));
    }
    if (!f) return Status::Internal("write failed: " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::Internal("cannot rename " + tmp + " to " + path);
  return Status::Ok();
}

Result<Checkpoint> LoadCheckpoint(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::NotFound("cannot open checkpoint " + path);
  Reader r(f);
  const auto bad = [&](const char* what) {
    return Status::InvalidArgument(path + ": corrupt checkpoint (" + what + ")");
  };
  char magic[4];
  uint32_t version = 0, nwidths = 0, ntensors = 0;
  if (!r.Bytes(magic, 4) || std::memcmp(magic, "MTCK", 4) != 0) return bad("magic");
  if (!r.Get(&version) || version != 1) return bad("version");
  Checkpoint ck;
  if (!r.Get(&nwidths) || nwidths == 0 || nwidths > 16) return bad("widths");
  ck.model.widths.resize(nwidths);
  for (auto& w : ck.model.widths)
    if (!r.Get(&w) || w <= 0) return bad("widths");
  if (!r.Get(&ck.model.convs_per_block) || !r.Get(&ck.model.dropout) ||
      !r.Get(&ck.model.input_size) || !r.Get(&ck.model.num_classes) || !r.Get(&ck.epoch) ||
      !r.Get(&ck.total_epochs) || !r.Get(&ck.best_val_acc) || !r.Get(&ck.best_epoch) ||
      !r.Get(&ck.seed) || !r.Get(&ntensors))
    return bad("header");
  if (ntensors > kMaxTensors) return bad("tensor count");
  for (uint32_t i = 0; i < ntensors; ++i) {
    uint32_t len = 0, ndim = 0;
    if (!r.Get(&len) || len > kMaxName) return bad("name");
    std::string name(len, '\0');
    if (!r.Bytes(name.data(), len) || !r.Get(&ndim) || ndim > 8) return bad("tensor header");
    std::vector<int64_t> dims(ndim);
    int64_t numel = 1;
    for (auto& d : dims) {
      if (!r.Get(&d) || d < 0 || d > kMaxElements) return bad("dims");
      numel *= d;
      if (numel > kMaxElements) return bad("dims");
    }
    auto t = torch::empty(dims, torch::kFloat32);
    if (!r.Bytes(t.data_ptr<float>(), size_t(numel) * sizeof(float))) return bad("data");
    ck.tensors.emplace_back(std::move(name), std::move(t));
  }
  return ck;
}

void AppendWeights(EmotionNet& net, Checkpoint* ck) {
  for (const auto& p : net->named_parameters()) ck->tensors.emplace_back("model." + p.key(), p.value().detach().cpu());
  for (const auto& b : net->named_buffers()) ck->tensors.emplace_back("model." + b.key(), b.value().detach().cpu());
}

Result<std::vector<EmotionNet>> LoadNets(const std::vector<std::string>& checkpoint_paths) {
  std::vector<EmotionNet> nets;
  for (const auto& path : checkpoint_paths) {
    auto ck = LoadCheckpoint(path);
    if (!ck.ok()) return ck.status();
    EmotionNet net(ck->model);
    MOODTUNE_RETURN_IF_ERROR(LoadWeights(*ck, net));
    net->eval();
    nets.push_back(net);
  }
  return nets;
}

const torch::Tensor* FindTensor(const Checkpoint& ck, const std::string& name) {
  for (const auto& [n, t] : ck.tensors)
    if (n == name) return &t;
  return nullptr;
}

Status LoadWeights(const Checkpoint& ck, EmotionNet& net) {
  torch::NoGradGuard no_grad;
  auto load = [&](const std::string& key, torch::Tensor& dst) -> Status {
    const torch::Tensor* src = FindTensor(ck, "model." + key);
    if (!src) return Status::InvalidArgument("checkpoint lacks model." + key);
    if (src->sizes() != dst.sizes()) return Status::InvalidArgument("shape mismatch for " + key);
    dst.copy_(*src);
    return Status::Ok();
  };
  for (auto& p : net->named_parameters()) MOODTUNE_RETURN_IF_ERROR(load(p.key(), p.value()));
  for (auto& b : net->named_buffers()) MOODTUNE_RETURN_IF_ERROR(load(b.key(), b.value()));
  return Status::Ok();
}

}  // namespace moodtune::train
