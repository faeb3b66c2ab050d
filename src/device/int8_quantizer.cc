#include "int8_quantizer.h"

#include <opencv2/dnn/all_layers.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace moodtune::device::testing {
namespace {

// M = mult x 2^-shift with mult in [2^30, 2^31).
void QuantizeMultiplier(double m, std::int32_t* mult, std::uint8_t* shift) {
  int exp = 0;
  const double frac = std::frexp(m, &exp);  // m = frac x 2^exp, frac in [0.5, 1)
  auto q = static_cast<std::int64_t>(std::llround(frac * (1ll << 31)));
  if (q == (1ll << 31)) {
    q /= 2;
    ++exp;
  }
  *mult = static_cast<std::int32_t>(q);
  *shift = static_cast<std::uint8_t>(std::clamp(31 - exp, 1, 62));
}

float RangeOf(std::vector<float>& values, double percentile) {
  if (values.empty()) return 1.0f;
  if (percentile >= 100.0) return std::max(*std::max_element(values.begin(), values.end()), 1e-6f);
  const auto k = static_cast<std::size_t>(percentile / 100.0 * (values.size() - 1));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return std::max(values[k], 1e-6f);
}

}  // namespace

std::size_t QuantizedNet::FlashBytes() const {
  std::size_t n = dense_weights.size() + dense_bias.size() * 4;
  for (std::size_t i = 0; i < weights.size(); ++i)
    n += weights[i].size() + bias[i].size() * 4 + mult[i].size() * 4 + shift[i].size();
  return n;
}

bool LoadFloatNet(const std::string& onnx, FloatNet* out, std::string* error) {
  try {
    out->net = cv::dnn::readNetFromONNX(onnx);
  } catch (const cv::Exception& e) {
    *error = e.what();
    return false;
  }
  std::string pending_conv;
  for (const auto& name : out->net.getLayerNames()) {
    auto l = out->net.getLayer(out->net.getLayerId(name));
    if (l->type == "Convolution") {
      auto c = l.dynamicCast<cv::dnn::ConvolutionLayer>();
      if (c->kernel_size.size() != 2 || c->kernel_size[0] != 3 || c->kernel_size[1] != 3 ||
          c->strides[0] != 1 || c->pads_begin[0] != 1 || c->pads_end[0] != 1) {
        *error = "conv " + name + " is not 3x3, stride 1, pad 1";
        return false;
      }
      out->conv_names.push_back(name);
      out->pool_after.push_back(false);
    } else if (l->type == "ReLU") {
      out->relu_names.push_back(name);
    } else if (l->type == "Pooling") {
      auto p = l.dynamicCast<cv::dnn::PoolingLayer>();
      if (p->globalPooling) continue;  // the GAP before the dense layer
      if (p->type != 0 /* MAX (enum private to OpenCV) */ || p->kernel_size[0] != 2 ||
          p->strides[0] != 2 || out->pool_after.empty()) {
        *error = "pool " + name + " is not a 2x2/2 max pool after a conv";
        return false;
      }
      out->pool_after.back() = true;
    } else if (l->type == "InnerProduct") {
      out->dense_name = name;
    }
  }
  if (out->conv_names.empty() || out->conv_names.size() != out->relu_names.size() ||
      out->dense_name.empty()) {
    *error = "expected conv+ReLU layers and one dense layer";
    return false;
  }
  return true;
}

cv::Mat InputBlob(const std::vector<cv::Mat>& gray48) {
  const int sizes[] = {static_cast<int>(gray48.size()), 1, 48, 48};
  cv::Mat blob(4, sizes, CV_32F);
  for (std::size_t i = 0; i < gray48.size(); ++i) {
    cv::Mat plane(48, 48, CV_32F, blob.ptr<float>(static_cast<int>(i)));
    gray48[i].convertTo(plane, CV_32F, 1.0 / 127.5, -1.0);
  }
  return blob;
}

cv::Mat FloatProbs(FloatNet& f, const std::vector<cv::Mat>& gray48) {
  f.net.setInput(InputBlob(gray48));
  return f.net.forward().clone();
}

std::vector<float> CalibrateRanges(FloatNet& f, const std::vector<cv::Mat>& calibration,
                                   const QuantizeOptions& o) {
  const std::size_t n = f.conv_names.size();
  // Activation ranges from the ReLU outputs.
  std::vector<std::vector<float>> seen(n);
  for (std::size_t start = 0; start < calibration.size(); start += 64) {
    const std::vector<cv::Mat> batch(calibration.begin() + start,
                                     calibration.begin() + std::min(calibration.size(), start + 64));
    f.net.setInput(InputBlob(batch));
    std::vector<cv::Mat> outs;
    f.net.forward(outs, std::vector<cv::String>(f.relu_names.begin(), f.relu_names.end()));
    for (std::size_t i = 0; i < n; ++i) {
      const float* p = outs[i].ptr<float>();
      const std::size_t total = outs[i].total();
      if (o.percentile >= 100.0) {
        float m = seen[i].empty() ? 0.f : seen[i][0];
        for (std::size_t k = 0; k < total; ++k) m = std::max(m, p[k]);
        seen[i].assign(1, m);
      } else {
        for (std::size_t k = 0; k < total; ++k)
          if (p[k] > 0) seen[i].push_back(p[k]);
      }
    }
  }
  std::vector<float> ranges(n);
  for (std::size_t i = 0; i < n; ++i) ranges[i] = RangeOf(seen[i], o.percentile);
  return ranges;
}

QuantizedNet Quantize(FloatNet& f, const std::vector<cv::Mat>& calibration,
                      const QuantizeOptions& o) {
  return QuantizeWithRanges(f, CalibrateRanges(f, calibration, o));
}

QuantizedNet QuantizeWithRanges(FloatNet& f, const std::vector<float>& ranges) {
  const std::size_t n = f.conv_names.size();
  QuantizedNet q;
  q.weights.resize(n);
  q.bias.resize(n);
  q.mult.resize(n);
  q.shift.resize(n);
  q.act_scale.resize(n);
  double in_scale = 1.0 / 255.0;  // the int16 input (2 gray - 255)
  int cin = 1;
  for (std::size_t i = 0; i < n; ++i) {
    auto layer = f.net.getLayer(f.net.getLayerId(f.conv_names[i]));
    const cv::Mat& w = layer->blobs[0];  // [cout, cin, 3, 3]
    const cv::Mat b = layer->blobs.size() > 1 ? layer->blobs[1] : cv::Mat();
    const int cout = w.size[0];
    const float out_scale = ranges.at(i) / 255.0f;
    q.act_scale[i] = out_scale;
    q.weights[i].resize(static_cast<std::size_t>(cout) * 9 * cin);
    q.bias[i].resize(cout);
    q.mult[i].resize(cout);
    q.shift[i].resize(cout);
    for (int co = 0; co < cout; ++co) {
      const float* wc = w.ptr<float>(co);  // cin x 3 x 3 floats
      float max_abs = 0;
      for (int k = 0; k < cin * 9; ++k) max_abs = std::max(max_abs, std::fabs(wc[k]));
      const double w_scale = max_abs > 0 ? max_abs / 127.0 : 1.0;
      for (int ci = 0; ci < cin; ++ci)
        for (int t = 0; t < 9; ++t)  // ONNX [ci][ky][kx] -> core [ky][kx][ci]
          q.weights[i][(static_cast<std::size_t>(co) * 9 + t) * cin + ci] = static_cast<std::int8_t>(
              std::clamp<long>(std::lround(wc[ci * 9 + t] / w_scale), -127, 127));
      const double acc_scale = in_scale * w_scale;
      const double bias = b.empty() ? 0.0 : b.ptr<float>()[co];
      q.bias[i][co] = static_cast<std::int32_t>(std::llround(bias / acc_scale));
      QuantizeMultiplier(acc_scale / out_scale, &q.mult[i][co], &q.shift[i][co]);
    }
    Int8Conv c;
    c.cin = static_cast<std::uint16_t>(cin);
    c.cout = static_cast<std::uint16_t>(cout);
    c.pool_after = f.pool_after[i] ? 1 : 0;
    c.weights = q.weights[i].data();
    c.bias = q.bias[i].data();
    c.mult = q.mult[i].data();
    c.shift = q.shift[i].data();
    q.convs.push_back(c);
    in_scale = out_scale;
    cin = cout;
  }
  // Dense after the global average pool: logit = W (sum / area) a_scale + b.
  auto dl = f.net.getLayer(f.net.getLayerId(f.dense_name));
  const cv::Mat& dw = dl->blobs[0];  // [cout, cin]
  const cv::Mat db = dl->blobs.size() > 1 ? dl->blobs[1] : cv::Mat();
  const int dout = dw.size[0];
  int side = 48;
  for (bool p : f.pool_after) side = p ? side / 2 : side;
  const double area = static_cast<double>(side) * side;
  float max_abs = 0;
  for (int k = 0; k < dout * cin; ++k) max_abs = std::max(max_abs, std::fabs(dw.ptr<float>()[k]));
  const double w_scale = max_abs / 127.0;
  q.dense_weights.resize(static_cast<std::size_t>(dout) * cin);
  for (int k = 0; k < dout * cin; ++k)
    q.dense_weights[k] = static_cast<std::int8_t>(
        std::clamp<long>(std::lround(dw.ptr<float>()[k] / w_scale), -127, 127));
  const double logit_scale = w_scale * in_scale / area;
  q.dense_bias.resize(dout);
  for (int k = 0; k < dout; ++k) {
    const double bias = db.empty() ? 0.0 : db.ptr<float>()[k];
    q.dense_bias[k] = static_cast<std::int32_t>(std::llround(bias / logit_scale));
  }
  q.logit_scale = static_cast<float>(logit_scale);
  q.net.side = 48;
  q.net.convs = q.convs.data();
  q.net.num_convs = static_cast<std::uint8_t>(q.convs.size());
  q.net.dense.cin = static_cast<std::uint16_t>(cin);
  q.net.dense.cout = static_cast<std::uint16_t>(dout);
  q.net.dense.weights = q.dense_weights.data();
  q.net.dense.bias = q.dense_bias.data();
  return q;
}

bool WriteRanges(const std::string& path, const std::vector<float>& ranges) {
  std::ofstream out(path);
  out << "# Activation range of each conv layer of models/emotion/emotion.onnx (largest ReLU\n"
         "# output on the calibration crops), written by device_int8_eval ranges; the build\n"
         "# quantises the model with these (moodtune_int8_gen).\n";
  char buf[32];
  for (float r : ranges) {
    std::snprintf(buf, sizeof(buf), "%.9g\n", static_cast<double>(r));
    out << buf;
  }
  return static_cast<bool>(out);
}

bool ReadRanges(const std::string& path, std::vector<float>* ranges, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  ranges->clear();
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    char* end = nullptr;
    const float v = std::strtof(line.c_str(), &end);
    if (end == line.c_str() || *end != '\0' || !(v > 0) || !std::isfinite(v)) {
      *error = path + ":" + std::to_string(number) + ": not a positive number: " + line;
      return false;
    }
    ranges->push_back(v);
  }
  if (ranges->empty()) {
    *error = path + ": no ranges";
    return false;
  }
  return true;
}

namespace {
template <typename T>
void WriteArray(std::ofstream& out, const char* type, const std::string& name,
                const std::vector<T>& v) {
  out << "const " << type << " " << name << "[" << v.size() << "] = {";
  for (std::size_t i = 0; i < v.size(); ++i)
    out << (i % 32 == 0 ? "\n" : "") << static_cast<long long>(v[i]) << ",";
  out << "};\n";
}
}  // namespace

bool WriteModelSource(const QuantizedNet& q, const std::string& path) {
  std::ofstream out(path);
  out << "// Generated by moodtune_int8_gen from models/emotion/emotion.onnx; do not edit.\n"
         "#include \"moodtune_core/on_device.h\"\n\nnamespace moodtune::device {\nnamespace {\n";
  for (std::size_t i = 0; i < q.convs.size(); ++i) {
    const std::string k = std::to_string(i);
    WriteArray(out, "int8_t", "kW" + k, q.weights[i]);
    WriteArray(out, "int32_t", "kB" + k, q.bias[i]);
    WriteArray(out, "int32_t", "kM" + k, q.mult[i]);
    WriteArray(out, "uint8_t", "kS" + k, q.shift[i]);
  }
  WriteArray(out, "int8_t", "kWd", q.dense_weights);
  WriteArray(out, "int32_t", "kBd", q.dense_bias);
  out << "const Int8Conv kConvs[] = {\n";
  for (std::size_t i = 0; i < q.convs.size(); ++i) {
    const std::string k = std::to_string(i);
    out << "  {" << q.convs[i].cin << ", " << q.convs[i].cout << ", " << int{q.convs[i].pool_after}
        << ", kW" << k << ", kB" << k << ", kM" << k << ", kS" << k << "},\n";
  }
  out << "};\n}  // namespace\n\nconst Int8Net kEmotionInt8Net = {" << q.net.side << ", kConvs, "
      << q.convs.size() << ", {" << q.net.dense.cin << ", " << q.net.dense.cout
      << ", kWd, kBd}};\n\n}  // namespace moodtune::device\n";
  return static_cast<bool>(out);
}

}  // namespace moodtune::device::testing
