#include "trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "checkpoint.h"
#include "curve.h"
#include "moodtune/eval_metrics.h"

namespace moodtune::train {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

torch::Tensor ToTensor(const PackedDataset& d) {
  return torch::from_blob(const_cast<uint8_t*>(d.pixels.data()),
                          {int64_t(d.size()), 1, d.height, d.width}, torch::kUInt8)
      .clone();
}

torch::Tensor Labels(const PackedDataset& d) {
  return torch::from_blob(const_cast<uint8_t*>(d.labels.data()), {int64_t(d.size())}, torch::kUInt8)
      .to(torch::kLong);
}

// A seeded random subset of `limit` samples (all when limit is 0): packs are sorted by class,
// so the first N would hold one class only.
torch::Tensor SubsetIndex(int64_t n, int64_t limit, uint64_t seed) {
  if (limit <= 0 || limit >= n) return torch::arange(n, torch::kLong);
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randperm(n, gen, torch::kLong).slice(0, 0, limit);
}

double LearningRate(const TrainOptions& o, int64_t total, double t) {
  if (t < o.warmup_epochs) return o.lr * (t + 1e-3) / o.warmup_epochs;
  const double span = std::max<double>(1, total - o.warmup_epochs);
  return o.lr * 0.5 * (1 + std::cos(M_PI * std::min(1.0, (t - o.warmup_epochs) / span)));
}

std::string Bar(double frac, int width = 24) {
  const int fill = static_cast<int>(frac * width);
  return "[" + std::string(fill, '#') + std::string(width - fill, '.') + "]";
}

}  // namespace

torch::Tensor Normalize(const torch::Tensor& u8) { return u8.to(torch::kFloat32) / 127.5 - 1.0; }

double Accuracy(EmotionNet& net, const PackedDataset& data, torch::Device device, bool flip_tta) {
  torch::NoGradGuard no_grad;
  net->eval();
  auto x = ToTensor(data).to(device);
  auto y = Labels(data).to(device);
  int64_t correct = 0;
  for (int64_t i = 0; i < x.size(0); i += 512) {
    auto xb = Normalize(x.slice(0, i, i + 512));
    auto logits = net->forward(xb);
    if (flip_tta) logits = logits.softmax(1) + net->forward(xb.flip({3})).softmax(1);
    correct += logits.argmax(1).eq(y.slice(0, i, i + 512)).sum().item<int64_t>();
  }
  return x.size(0) ? double(correct) / double(x.size(0)) : 0.0;
}

Result<std::pair<std::string, int64_t>> ParsePackSpec(const std::string& spec) {
  const auto colon = spec.rfind(':');
  if (colon == std::string::npos || colon + 1 == spec.size())
    return std::make_pair(spec, int64_t{0});
  const std::string n = spec.substr(colon + 1);
  if (n.find_first_not_of("0123456789") != std::string::npos)
    return std::make_pair(spec, int64_t{0});
  char* end = nullptr;
  const long long v = std::strtoll(n.c_str(), &end, 10);
  if (*end != '\0' || v < 0) return Status::InvalidArgument("bad image count in " + spec);
  return std::make_pair(spec.substr(0, colon), int64_t{v});
}

double FitTemperature(const torch::Tensor& logits, const torch::Tensor& labels) {
  auto nll = [&](double t) {
    return torch::nn::functional::cross_entropy(logits / t, labels).item<double>();
  };
  double lo = std::log(0.25), hi = std::log(10.0);  // search log T: NLL is unimodal there
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
  double fa = nll(std::exp(a)), fb = nll(std::exp(b));
  for (int i = 0; i < 60; ++i) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = nll(std::exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = nll(std::exp(b));
    }
  }
  return std::exp((lo + hi) / 2);
}

double ExpectedCalibrationError(const torch::Tensor& probs, const torch::Tensor& labels, int bins) {
  // The same binning as `moodtune eval` (src/core/eval_metrics.cc): one definition of ECE.
  auto [conf, pred] = probs.max(1);
  auto c = conf.to(torch::kFloat32).contiguous().cpu();
  auto right = pred.eq(labels).to(torch::kUInt8).contiguous().cpu();
  auto ece = moodtune::ExpectedCalibrationError(
      {c.data_ptr<float>(), static_cast<std::size_t>(c.numel())},
      {right.data_ptr<std::uint8_t>(), static_cast<std::size_t>(right.numel())}, bins);
  return ece.ok() ? *ece : 0.0;
}

namespace {
// The mean over `nets` of out(net, x) for every image of `data` ([N, classes]), with flip_tta
// averaging each image with its mirror first. Eval mode, no gradients, batches of 512.
template <typename Out>
torch::Tensor MeanOverNets(std::vector<EmotionNet>& nets, const PackedDataset& data, bool flip_tta,
                           Out out) {
  torch::NoGradGuard no_grad;
  auto x = Normalize(ToTensor(data));
  auto sum = torch::zeros({x.size(0), nets.empty() ? 0 : nets[0]->options().num_classes});
  for (auto& net : nets) {
    net->eval();
    for (int64_t i = 0; i < x.size(0); i += 512) {
      auto xb = x.slice(0, i, i + 512);
      auto v = out(net, xb);
      if (flip_tta) v = (v + out(net, xb.flip({3}))) / 2;
      sum.slice(0, i, i + 512) += v;
    }
  }
  return sum / double(std::max<size_t>(1, nets.size()));
}
}  // namespace

torch::Tensor EnsembleLogits(std::vector<EmotionNet>& nets, const PackedDataset& data,
                             bool flip_tta) {
  return MeanOverNets(nets, data, flip_tta,
                      [](EmotionNet& n, const torch::Tensor& x) { return n->forward(x); });
}

torch::Tensor EnsembleProbs(std::vector<EmotionNet>& nets, const PackedDataset& data,
                            bool flip_tta) {
  return MeanOverNets(nets, data, flip_tta, [](EmotionNet& n, const torch::Tensor& x) {
    return n->forward(x).softmax(1);
  });
}

Result<TrainReport> Train(const TrainOptions& o, std::ostream& log) {
  const auto t_start = Clock::now();
  if (o.epochs <= 0 || o.batch_size <= 0 || o.lr <= 0)
    return Status::InvalidArgument("epochs, batch size and lr must be positive");
  if (o.distill_weight < 0 || o.distill_weight > 1 || o.distill_temperature <= 0)
    return Status::InvalidArgument("--distill-weight must be in 0..1 and the temperature > 0");
  if (o.train_packs.empty()) return Status::InvalidArgument("no training pack");
  std::vector<torch::Tensor> xs, ys;
  for (const std::string& spec : o.train_packs) {
    auto parsed = ParsePackSpec(spec);
    if (!parsed.ok()) return parsed.status();
    auto train = ReadPack(parsed->first);
    if (!train.ok()) return train.status();
    if (train->height != o.model.input_size || train->width != o.model.input_size)
      return Status::InvalidArgument(parsed->first + ": images are not " +
                                     std::to_string(o.model.input_size) + " px square");
    const auto subset = SubsetIndex(int64_t(train->size()), parsed->second, o.seed);
    xs.push_back(ToTensor(*train).index_select(0, subset));
    ys.push_back(Labels(*train).index_select(0, subset));
    log << "train pack " << parsed->first << ": " << subset.size(0) << " of " << train->size()
        << " images\n";
  }
  Result<PackedDataset> val = Status::NotFound("no validation pack");
  if (!o.val_pack.empty()) {
    val = ReadPack(o.val_pack);
    if (!val.ok()) return val.status();
  }

  torch::Device device(torch::kCPU);
  if (o.device == "cuda" && !torch::cuda::is_available())
    return Status::Unavailable("--device cuda: no CUDA device visible to libtorch");
  if (o.device != "cuda" && o.device != "cpu" && o.device != "auto")
    return Status::InvalidArgument("--device must be auto, cpu or cuda");
  if (o.device == "cuda" || (o.device == "auto" && torch::cuda::is_available()))
    device = torch::Device(torch::kCUDA);
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);

  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return Status::NotFound("cannot create " + o.out_dir + ": " + ec.message());
  const std::string last_path = (fs::path(o.out_dir) / "last.ckpt").string();
  const std::string best_path = (fs::path(o.out_dir) / "best.ckpt").string();

  torch::manual_seed(o.seed);
  EmotionNet net(o.model);
  int64_t start_epoch = 0, total = o.epochs, best_epoch = 0;
  double best_acc = 0;
  std::vector<torch::Tensor> momentum;
  Checkpoint resumed;
  if (o.resume) {
    auto ck = LoadCheckpoint(last_path);
    if (!ck.ok()) return Status(ck.status().code(), "--resume: " + ck.status().message());
    net = EmotionNet(ck->model);
    MOODTUNE_RETURN_IF_ERROR(LoadWeights(*ck, net));
    start_epoch = ck->epoch;
    // The checkpoint's plan (a time budget may have shrunk it): the cosine schedule must go
    // on as it would have without the interruption.
    if (ck->total_epochs > 0) total = ck->total_epochs;
    best_acc = ck->best_val_acc;
    best_epoch = ck->best_epoch;
    resumed = std::move(ck.value());
    log << "resuming " << last_path << " at epoch " << start_epoch << "/" << total << "\n";
  } else if (!o.init_checkpoint.empty()) {
    auto ck = LoadCheckpoint(o.init_checkpoint);
    if (!ck.ok()) return Status(ck.status().code(), "--init: " + ck.status().message());
    net = EmotionNet(ck->model);
    MOODTUNE_RETURN_IF_ERROR(LoadWeights(*ck, net));
    log << "fine-tuning from " << o.init_checkpoint << "\n";
  }
  // Frozen blocks: no gradients there, so backward stops early (the CPU cost of fine-tuning).
  for (size_t i = 0, block = 0; i < net->convs().size(); ++i) {
    if (int64_t(block) < o.freeze_blocks) {
      for (auto& p : net->convs()[i]->parameters()) p.set_requires_grad(false);
      for (auto& p : net->bns()[i]->parameters()) p.set_requires_grad(false);
    }
    if (net->PoolAfter(i)) ++block;
  }
  net->to(device);
  std::vector<EmotionNet> teachers;
  if (!o.teachers.empty()) {
    auto loaded = LoadNets(o.teachers);
    if (!loaded.ok())
      return Status(loaded.status().code(), "--teacher: " + loaded.status().message());
    teachers = std::move(loaded).value();
    for (auto& t : teachers) {
      t->to(device);
      t->eval();
    }
    log << "distilling from " << teachers.size() << " teacher(s), weight " << o.distill_weight
        << ", temperature " << o.distill_temperature << "\n";
  }
  auto named = net->named_parameters();
  for (const auto& p : named) {
    const torch::Tensor* saved = FindTensor(resumed, "momentum." + p.key());
    momentum.push_back(saved ? saved->to(device).clone() : torch::zeros_like(p.value()));
  }

  auto x_cat = torch::cat(xs);
  auto y_cat = torch::cat(ys);
  const auto subset = SubsetIndex(x_cat.size(0), o.limit, o.seed);
  auto x_all = x_cat.index_select(0, subset).to(device);
  auto y_all = y_cat.index_select(0, subset).to(device);
  xs.clear();
  ys.clear();
  const int64_t n = x_all.size(0);
  if (n == 0) return Status::InvalidArgument("training pack is empty");
  auto counts = torch::bincount(y_all, {}, o.model.num_classes).to(torch::kFloat64).clamp_min(1);
  auto class_w = torch::pow(counts.mean() / counts, o.class_weight_power).to(torch::kFloat32);
  class_w = (class_w / class_w.mean()).to(device);
  const int64_t iters = (n + o.batch_size - 1) / o.batch_size;
  const bool tty = isatty(fileno(stderr)) && &log == &std::cerr;
  log << "training on " << n << " images, " << (device.is_cuda() ? "cuda" : "cpu") << ", " << total
      << " epochs of " << iters << " batches\n";

  TrainReport rep;
  // The training curve: a fresh run starts curve.csv over, a resumed one appends to it.
  const fs::path curve_path = fs::path(o.out_dir) / "curve.csv";
  if (start_epoch == 0 || !fs::exists(curve_path)) {
    std::ofstream(curve_path, std::ios::trunc) << kCurveHeader << "\n";
  }
  for (int64_t epoch = start_epoch; epoch < total; ++epoch) {
    if (o.stop_after > 0 && epoch - start_epoch >= o.stop_after) break;
    const auto t_epoch = Clock::now();
    torch::manual_seed(o.seed + 1000003ULL * uint64_t(epoch + 1));  // resume == uninterrupted
    net->train();
    auto perm = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong).device(device));
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    for (int64_t it = 0; it < iters; ++it) {
      auto idx = perm.slice(0, it * o.batch_size, (it + 1) * o.batch_size);
      auto xb = x_all.index_select(0, idx).to(torch::kFloat32) / 255.0;
      auto yb = y_all.index_select(0, idx);
      xb = Augment(xb, o.augment) * 2.0 - 1.0;
      auto logits = net->forward(xb);
      auto loss = torch::nn::functional::cross_entropy(
          logits, yb,
          torch::nn::functional::CrossEntropyFuncOptions().weight(class_w).label_smoothing(
              o.label_smoothing));
      if (!teachers.empty()) {
        torch::Tensor soft;
        {
          torch::NoGradGuard no_grad;
          const double t = o.distill_temperature;
          for (auto& teacher : teachers) {
            auto p = (teacher->forward(xb) / t).softmax(1);
            soft = soft.defined() ? soft + p : p;
          }
          soft = soft / double(teachers.size());
        }
        const double t = o.distill_temperature;
        auto kl = torch::nn::functional::kl_div(
            (logits / t).log_softmax(1), soft,
            torch::nn::functional::KLDivFuncOptions().reduction(torch::kBatchMean));
        loss = (1 - o.distill_weight) * loss + o.distill_weight * t * t * kl;
      }
      net->zero_grad();
      loss.backward();
      const double lr = LearningRate(o, total, epoch + double(it) / iters);
      {
        torch::NoGradGuard no_grad;
        for (size_t k = 0; k < named.size(); ++k) {
          auto& p = named[k].value();
          if (!p.grad().defined()) continue;
          auto g = p.grad();
          if (p.dim() > 1) g = g + o.weight_decay * p;
          momentum[k].mul_(o.momentum).add_(g);
          p.add_(g + o.momentum * momentum[k], -lr);  // Nesterov
        }
      }
      if (it % 20 == 0 || it + 1 == iters) {
        loss_sum += loss.item<double>() * double(yb.size(0));
        correct += logits.argmax(1).eq(yb).sum().item<int64_t>();
        seen += yb.size(0);
      }
      if (o.progress && tty && (it % 5 == 0 || it + 1 == iters)) {
        std::fprintf(stderr, "\repoch %3lld/%lld %s %3d%% loss %.3f acc %.3f lr %.4f",
                     (long long)epoch + 1, (long long)total, Bar(double(it + 1) / iters).c_str(),
                     int(100.0 * (it + 1) / iters), loss_sum / std::max<int64_t>(1, seen),
                     double(correct) / std::max<int64_t>(1, seen), lr);
      }
    }
    const double val_acc = val.ok() ? Accuracy(net, *val, device, false) : 0.0;
    const double secs = std::chrono::duration<double>(Clock::now() - t_epoch).count();
    if (o.progress) {
      std::ostringstream line;
      line << std::fixed << std::setprecision(4) << "epoch " << epoch + 1 << "/" << total
           << " loss " << loss_sum / std::max<int64_t>(1, seen) << " train_acc "
           << double(correct) / std::max<int64_t>(1, seen) << " val_acc " << val_acc << " "
           << std::setprecision(1) << secs << "s";
      if (tty) std::fprintf(stderr, "\r\033[K");
      log << line.str() << std::endl;
    }

    {
      CurvePoint p;
      p.epoch = static_cast<int>(epoch + 1);
      p.loss = loss_sum / std::max<int64_t>(1, seen);
      p.train_acc = double(correct) / std::max<int64_t>(1, seen);
      p.val_acc = val_acc;
      p.seconds = secs;
      std::ofstream(curve_path, std::ios::app) << CurveCsvLine(p) << "\n";
    }

    Checkpoint ck;
    ck.model = net->options();
    ck.epoch = epoch + 1;
    ck.seed = o.seed;
    if (val.ok() && val_acc > best_acc) {
      best_acc = val_acc;
      best_epoch = epoch + 1;
    }
    // A time budget shrinks the plan once, after the first epoch of this run.
    if (o.time_budget_s > 0 && epoch == start_epoch) {
      const int64_t fit = start_epoch + int64_t(o.time_budget_s / std::max(secs, 1e-3));
      if (fit < total) {
        total = std::max<int64_t>(epoch + 1, fit);
        log << "time budget " << o.time_budget_s << "s: planning " << total << " epochs\n";
      }
    }
    ck.total_epochs = total;
    ck.best_val_acc = best_acc;
    ck.best_epoch = best_epoch;
    AppendWeights(net, &ck);
    for (size_t k = 0; k < named.size(); ++k)
      ck.tensors.emplace_back("momentum." + named[k].key(), momentum[k].cpu());
    MOODTUNE_RETURN_IF_ERROR(SaveCheckpoint(ck, last_path));
    if (best_epoch == epoch + 1 || !val.ok())
      MOODTUNE_RETURN_IF_ERROR(SaveCheckpoint(ck, best_path));
    rep.epochs_done = epoch + 1;
  }
  rep.total_epochs = total;
  rep.best_val_acc = best_acc;
  rep.best_epoch = best_epoch;
  rep.seconds = std::chrono::duration<double>(Clock::now() - t_start).count();
  if (val.ok() && rep.epochs_done > 0) {
    log << "final val_acc " << Accuracy(net, *val, device, false) << " (flip TTA "
        << Accuracy(net, *val, device, true) << "), best " << best_acc << " at epoch " << best_epoch
        << "\n";
  }
  return rep;
}

}  // namespace moodtune::train
