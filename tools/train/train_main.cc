// moodtune-train: trains the emotion net on packed data; `export` writes the ONNX model.
// Flags are parsed by hand: the trainer core also builds on GPU machines that have libtorch
// and nothing else (no CLI11 there).
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "checkpoint.h"
#include "trainer.h"
#ifdef MOODTUNE_WITH_OPENCV
#include "curve_plot.h"
#endif
#ifdef MOODTUNE_WITH_ONNX
#include "onnx_export.h"
#include "onnx_import.h"
#endif

namespace {
using moodtune::train::TrainOptions;

struct Flag {
  std::string help;
  std::string default_value;
  std::function<bool(const std::string&)> set;  // false on a bad value
};

bool ParseInt(const std::string& s, int64_t* v) {
  char* end = nullptr;
  *v = std::strtoll(s.c_str(), &end, 10);
  return !s.empty() && *end == '\0';
}
bool ParseDouble(const std::string& s, double* v) {
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0';
}

std::map<std::string, Flag> TrainFlags(TrainOptions& o) {
  auto i64 = [](int64_t* p) {
    return [p](const std::string& s) { return ParseInt(s, p) && *p >= 0; };
  };
  auto dbl = [](double* p) {
    return [p](const std::string& s) { return ParseDouble(s, p) && *p >= 0; };
  };
  auto str = [](std::string* p) {
    return [p](const std::string& s) {
      *p = s;
      return true;
    };
  };
  return {
      {"--train",
       {"training pack (.mtpk from `moodtune pack`); repeat to concatenate; PATH:N = a seeded "
        "sample of N",
        "",
        [&o](const std::string& s) {
          o.train_packs.push_back(s);
          return true;
        }}},
      {"--init",
       {"start from this checkpoint's weights (fine-tuning)", "", str(&o.init_checkpoint)}},
      {"--freeze-blocks", {"keep the first N conv blocks fixed", "0", i64(&o.freeze_blocks)}},
      {"--teacher",
       {"distil from this checkpoint (repeat for an ensemble of teachers)", "",
        [&o](const std::string& s) {
          o.teachers.push_back(s);
          return true;
        }}},
      {"--distill-weight",
       {"share of the distillation loss (0..1)", std::to_string(o.distill_weight),
        dbl(&o.distill_weight)}},
      {"--distill-temperature",
       {"softening temperature", std::to_string(o.distill_temperature),
        dbl(&o.distill_temperature)}},
      {"--widths",
       {"channels per block, comma-separated (e.g. 64,128,256,512 for a teacher)", "32,64,128,256",
        [&o](const std::string& s) {
          std::vector<int64_t> w;
          size_t i = 0;
          while (i < s.size()) {
            size_t j = s.find(',', i);
            if (j == std::string::npos) j = s.size();
            int64_t v = 0;
            if (!ParseInt(s.substr(i, j - i), &v) || v <= 0 || v > 4096) return false;
            w.push_back(v);
            i = j + 1;
          }
          if (w.empty()) return false;
          o.model.widths = w;
          return true;
        }}},
      {"--val", {"validation pack for model selection", "", str(&o.val_pack)}},
      {"--out", {"run folder: last.ckpt, best.ckpt", o.out_dir, str(&o.out_dir)}},
      {"--epochs", {"planned epochs", std::to_string(o.epochs), i64(&o.epochs)}},
      {"--batch-size", {"images per step", std::to_string(o.batch_size), i64(&o.batch_size)}},
      {"--lr", {"peak learning rate", std::to_string(o.lr), dbl(&o.lr)}},
      {"--class-weight-power",
       {"loss weight per class = (mean count / count)^power", std::to_string(o.class_weight_power),
        dbl(&o.class_weight_power)}},
      {"--warmup",
       {"epochs of linear LR warm-up", std::to_string(o.warmup_epochs), i64(&o.warmup_epochs)}},
      {"--label-smoothing",
       {"cross-entropy label smoothing", std::to_string(o.label_smoothing),
        dbl(&o.label_smoothing)}},
      {"--weight-decay", {"L2 on weights", std::to_string(o.weight_decay), dbl(&o.weight_decay)}},
      {"--seed",
       {"random seed", std::to_string(o.seed),
        [&o](const std::string& s) {
          int64_t v;
          return ParseInt(s, &v) && v >= 0 && (o.seed = uint64_t(v), true);
        }}},
      {"--stop-after",
       {"end this run after N epochs; --resume goes on (0 = off)", "0", i64(&o.stop_after)}},
      {"--limit", {"use the first N training images (0 = all)", "0", i64(&o.limit)}},
      {"--time-budget",
       {"seconds; shrinks planned epochs after epoch 1 (0 = off)", "0", dbl(&o.time_budget_s)}},
      {"--device", {"auto | cpu | cuda", o.device, str(&o.device)}},
  };
}

void Usage(const std::map<std::string, Flag>& flags) {
  std::cerr
      << "usage: moodtune-train --train FILE [--val FILE] [options] [--resume]\n"
#ifdef MOODTUNE_WITH_ONNX
      << "       moodtune-train export --checkpoint FILE [--checkpoint FILE...] --out MODEL.onnx\n"
      << "         [--temperature T]  (several checkpoints: an ensemble averaging their "
         "probabilities)\n"
#endif
      << "       moodtune-train import --onnx MODEL.onnx --data TRAIN.mtpk --out FILE.ckpt\n"
      << "       moodtune-train calibrate --checkpoint FILE --data DEV.mtpk   (temperature, ECE)\n"
      << "       moodtune-train score --checkpoint FILE --data PACK\n"
#ifdef MOODTUNE_WITH_ONNX
#endif
      << "options:\n";
  for (const auto& [name, f] : flags)
    std::cerr << "  " << name << " VALUE  " << f.help
              << (f.default_value.empty() ? "" : " [" + f.default_value + "]") << "\n";
  std::cerr << "  --resume        continue from <out>/last.ckpt\n"
            << "  --quiet         no progress output\n";
}

int RunTrain(int argc, char** argv) {
  TrainOptions o;
  auto flags = TrainFlags(o);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      Usage(flags);
      return 0;
    }
    if (a == "--resume") {
      o.resume = true;
      continue;
    }
    if (a == "--quiet") {
      o.progress = false;
      continue;
    }
    auto it = flags.find(a);
    if (it == flags.end() || i + 1 >= argc) {
      std::cerr << "moodtune-train: "
                << (it == flags.end() ? "unknown option " : "missing value for ") << a << "\n";
      Usage(flags);
      return 2;
    }
    if (!it->second.set(argv[++i])) {
      std::cerr << "moodtune-train: bad value for " << a << ": " << argv[i] << "\n";
      return 2;
    }
  }
  if (o.train_packs.empty()) {
    std::cerr << "moodtune-train: --train is required (make one with `moodtune pack`)\n";
    Usage(flags);
    return 2;
  }
  moodtune::Result<moodtune::train::TrainReport> rep = moodtune::Status::Internal("not run");
  try {
    rep = moodtune::train::Train(o, std::cerr);
  } catch (const std::exception& e) {  // libtorch throws c10::Error
    rep = moodtune::Status::Internal(e.what());
  }
  if (!rep.ok()) {
    std::cerr << "moodtune-train: " << rep.status().ToString() << "\n";
    return 1;
  }
#ifdef MOODTUNE_WITH_OPENCV
  // The training curve as a picture beside its CSV (a failure here is reported, not fatal:
  // the checkpoints are what the run is for).
  const std::string png = o.out_dir + "/curve.png";
  if (auto s = moodtune::train::WriteCurvePng(o.out_dir + "/curve.csv", png,
                                              "moodtune-train --out " + o.out_dir);
      s.ok())
    std::cerr << "training curve: " << png << "\n";
  else
    std::cerr << "moodtune-train: training curve not drawn: " << s.ToString() << "\n";
#endif
  std::cout << "{\"epochs_done\": " << rep->epochs_done
            << ", \"total_epochs\": " << rep->total_epochs
            << ", \"best_val_acc\": " << rep->best_val_acc
            << ", \"best_epoch\": " << rep->best_epoch << ", \"seconds\": " << rep->seconds
            << "}\n";
  return 0;
}

// Parses `--checkpoint FILE` (repeatable) and the other `flag VALUE` pairs of a subcommand;
// false (after a message) on anything else.
bool ParseCheckpointArgs(int argc, char** argv, const std::map<std::string, std::string*>& flags,
                         std::vector<std::string>* checkpoints) {
  for (int i = 2; i < argc; i += 2) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "moodtune-train " << argv[1] << ": missing value for " << a << "\n";
      return false;
    }
    if (a == "--checkpoint") {
      checkpoints->push_back(argv[i + 1]);
    } else if (auto it = flags.find(a); it != flags.end()) {
      *it->second = argv[i + 1];
    } else {
      std::cerr << "moodtune-train " << argv[1] << ": unknown option " << a << "\n";
      return false;
    }
  }
  return true;
}

#ifdef MOODTUNE_WITH_ONNX
int RunExport(int argc, char** argv) {
  std::vector<std::string> checkpoints;
  std::string out, temperature = "1";
  if (!ParseCheckpointArgs(argc, argv, {{"--out", &out}, {"--temperature", &temperature}},
                           &checkpoints))
    return 2;
  double t = 0;
  if (checkpoints.empty() || out.empty() || !ParseDouble(temperature, &t) || t <= 0) {
    std::cerr
        << "usage: moodtune-train export --checkpoint FILE [--checkpoint FILE...] --out MODEL.onnx"
           " [--temperature T]\n  (T > 0 from `moodtune-train calibrate`; 1 = uncalibrated)\n";
    return 2;
  }
  auto nets = moodtune::train::LoadNets(checkpoints);
  if (!nets.ok()) {
    std::cerr << "moodtune-train export: " << nets.status().ToString() << "\n";
    return 1;
  }
  std::vector<moodtune::train::EmotionNet*> members;
  for (auto& n : *nets) {
    // softmax(logits / T): dividing the last layer's weights and bias by T is exact.
    torch::NoGradGuard no_grad;
    n->fc()->weight.div_(t);
    n->fc()->bias.div_(t);
    members.push_back(&n);
  }
  auto s = moodtune::train::ExportOnnx(members, out);
  if (!s.ok()) {
    std::cerr << "moodtune-train export: " << s.ToString() << "\n";
    return 1;
  }
  std::cerr << "wrote " << out << " (temperature " << t << ")\n";
  return 0;
}
#endif

#ifdef MOODTUNE_WITH_ONNX
// `moodtune-train import --onnx MODEL --data PACK --out CKPT`: a checkpoint from an exported
// model, to fine-tune it (--init CKPT). PACK (training data) sets the batch-norm statistics.
int RunImport(int argc, char** argv) {
  std::vector<std::string> unused;
  std::string onnx_path, data, out;
  if (!ParseCheckpointArgs(argc, argv, {{"--onnx", &onnx_path}, {"--data", &data}, {"--out", &out}},
                           &unused))
    return 2;
  if (onnx_path.empty() || data.empty() || out.empty()) {
    std::cerr
        << "usage: moodtune-train import --onnx MODEL.onnx --data TRAIN.mtpk --out FILE.ckpt\n";
    return 2;
  }
  auto pack = moodtune::ReadPack(data);
  if (!pack.ok()) {
    std::cerr << pack.status().ToString() << "\n";
    return 1;
  }
  auto ck = moodtune::train::ImportOnnx(onnx_path, *pack);
  if (!ck.ok()) {
    std::cerr << "moodtune-train import: " << ck.status().ToString() << "\n";
    return 1;
  }
  auto s = moodtune::train::SaveCheckpoint(*ck, out);
  if (!s.ok()) {
    std::cerr << "moodtune-train import: " << s.ToString() << "\n";
    return 1;
  }
  std::cerr << "wrote " << out << "\n";
  return 0;
}
#endif

// What `calibrate` and `score` both take: --checkpoint FILE (repeatable) and --data PACK,
// loaded. 0 when loaded, else the exit code (after a message).
struct PackAndNets {
  moodtune::PackedDataset pack;
  std::vector<moodtune::train::EmotionNet> nets;
  torch::Tensor labels;  // [N] int64
};
int LoadPackAndNets(int argc, char** argv, PackAndNets* out) {
  std::vector<std::string> checkpoints;
  std::string data;
  if (!ParseCheckpointArgs(argc, argv, {{"--data", &data}}, &checkpoints)) return 2;
  if (checkpoints.empty() || data.empty()) {
    std::cerr << "usage: moodtune-train " << argv[1]
              << " --checkpoint FILE [--checkpoint FILE...] --data PACK\n";
    return 2;
  }
  auto pack = moodtune::ReadPack(data);
  if (!pack.ok()) {
    std::cerr << pack.status().ToString() << "\n";
    return 1;
  }
  if (pack->size() == 0) {
    std::cerr << data << ": empty pack\n";
    return 1;
  }
  auto nets = moodtune::train::LoadNets(checkpoints);
  if (!nets.ok()) {
    std::cerr << nets.status().ToString() << "\n";
    return 1;
  }
  out->pack = std::move(pack).value();
  out->nets = std::move(nets).value();
  out->labels =
      torch::from_blob(out->pack.labels.data(), {int64_t(out->pack.size())}, torch::kUInt8)
          .to(torch::kLong);
  return 0;
}

// `moodtune-train calibrate --checkpoint A [...] --data PACK`: the temperature that minimises
// the NLL on PACK (a dev pack, never a training one), with ECE and NLL before and after.
int RunCalibrate(int argc, char** argv) {
  PackAndNets in;
  if (int rc = LoadPackAndNets(argc, argv, &in)) return rc;
  auto logits = moodtune::train::EnsembleLogits(in.nets, in.pack, false);
  const double t = moodtune::train::FitTemperature(logits, in.labels);
  auto report = [&](double temp) {
    auto l = logits / temp;
    return std::make_pair(moodtune::train::ExpectedCalibrationError(l.softmax(1), in.labels),
                          torch::nn::functional::cross_entropy(l, in.labels).item<double>());
  };
  const auto before = report(1.0), after = report(t);
  std::cout << "{\"images\": " << in.pack.size() << ", \"temperature\": " << t
            << ", \"ece_before\": " << before.first << ", \"ece_after\": " << after.first
            << ", \"nll_before\": " << before.second << ", \"nll_after\": " << after.second
            << "}\n";
  return 0;
}

// `moodtune-train score --checkpoint A [--checkpoint B...] --data PACK`: libtorch-side
// accuracy of one net or an ensemble, with and without flip test-time augmentation.
int RunScore(int argc, char** argv) {
  PackAndNets in;
  if (int rc = LoadPackAndNets(argc, argv, &in)) return rc;
  for (bool flip : {false, true}) {
    auto probs = moodtune::train::EnsembleProbs(in.nets, in.pack, flip);
    double acc = probs.argmax(1).eq(in.labels).to(torch::kFloat64).mean().item<double>();
    std::cout << "{\"members\": " << in.nets.size()
              << ", \"flip_tta\": " << (flip ? "true" : "false") << ", \"accuracy\": " << acc
              << ", \"images\": " << in.pack.size() << "}\n";
  }
  return 0;
}

#ifdef MOODTUNE_WITH_OPENCV
// `moodtune-train curve RUN_DIR`: (re)draws RUN_DIR/curve.png from RUN_DIR/curve.csv.
int RunCurve(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: moodtune-train curve RUN_DIR   (draws RUN_DIR/curve.png from curve.csv)\n";
    return 2;
  }
  const std::string dir = argv[2];
  if (auto s = moodtune::train::WriteCurvePng(dir + "/curve.csv", dir + "/curve.png",
                                              "moodtune-train --out " + dir);
      !s.ok()) {
    std::cerr << "moodtune-train curve: " << s.ToString() << "\n";
    return 1;
  }
  std::cout << dir << "/curve.png\n";
  return 0;
}
#endif

}  // namespace

int main(int argc, char** argv) {
#ifdef MOODTUNE_WITH_OPENCV
  if (argc > 1 && std::string(argv[1]) == "curve") return RunCurve(argc, argv);
#endif
#ifdef MOODTUNE_WITH_ONNX
  if (argc > 1 && std::string(argv[1]) == "export") return RunExport(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "import") return RunImport(argc, argv);
#endif
  if (argc > 1 && std::string(argv[1]) == "score") return RunScore(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "calibrate") return RunCalibrate(argc, argv);
  return RunTrain(argc, argv);
}
