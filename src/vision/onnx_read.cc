#include "onnx_read.h"

#include <algorithm>
#include <cstring>

namespace moodtune::onnx_read {

const onnx::AttributeProto* FindAttr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

Status Refuse(const onnx::NodeProto& n, const char* graph, const std::string& why) {
  return Status::Unsupported(std::string("not ") + graph + " at " + n.op_type() + " '" +
                             n.name() + "': " + why);
}

Status OnlyAttrs(const onnx::NodeProto& n, const char* graph,
                 std::initializer_list<const char*> known) {
  for (const auto& a : n.attribute()) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return a.name() == k; }))
      return Refuse(n, graph, "attribute " + a.name());
  }
  return Status::Ok();
}

std::vector<std::int64_t> Ints(const onnx::NodeProto& n, const std::string& name,
                               std::vector<std::int64_t> fallback) {
  const onnx::AttributeProto* a = FindAttr(n, name);
  if (a == nullptr) return fallback;
  return {a->ints().begin(), a->ints().end()};
}

std::int64_t Int(const onnx::NodeProto& n, const std::string& name, std::int64_t fallback) {
  const onnx::AttributeProto* a = FindAttr(n, name);
  return a == nullptr ? fallback : a->i();
}

bool AutoPadUnset(const onnx::NodeProto& n) {
  const onnx::AttributeProto* a = FindAttr(n, "auto_pad");
  return a == nullptr || a->s() == "NOTSET";
}

Result<cv::Mat> FloatTensor(const onnx::TensorProto& t) {
  if (t.data_type() != onnx::TensorProto::FLOAT)
    return Status::Unsupported(t.name() + ": not float");
  std::vector<int> dims;
  std::int64_t n = 1;
  for (std::int64_t d : t.dims()) {
    if (d < 1 || d > (1 << 20)) return Status::Unsupported(t.name() + ": bad dimension");
    dims.push_back(static_cast<int>(d));
    n *= d;
  }
  if (dims.empty()) dims.push_back(1);  // a scalar
  cv::Mat m(static_cast<int>(dims.size()), dims.data(), CV_32F);
  if (!t.raw_data().empty()) {
    if (t.raw_data().size() != static_cast<std::size_t>(n) * sizeof(float))
      return Status::InvalidArgument(t.name() + ": wrong data size");
    std::memcpy(m.ptr<float>(), t.raw_data().data(), t.raw_data().size());
  } else {
    if (t.float_data_size() != n) return Status::InvalidArgument(t.name() + ": wrong data size");
    std::copy(t.float_data().begin(), t.float_data().end(), m.ptr<float>());
  }
  return m;
}

Result<std::vector<std::int64_t>> Int64Tensor(const onnx::TensorProto& t) {
  if (t.data_type() != onnx::TensorProto::INT64 || t.dims_size() != 1)
    return Status::Unsupported(t.name() + ": not a list of int64");
  std::vector<std::int64_t> v(static_cast<std::size_t>(t.dims(0)));
  if (!t.raw_data().empty()) {
    if (t.raw_data().size() != v.size() * sizeof(std::int64_t))
      return Status::InvalidArgument(t.name() + ": wrong data size");
    std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
  } else {
    if (static_cast<std::size_t>(t.int64_data_size()) != v.size())
      return Status::InvalidArgument(t.name() + ": wrong data size");
    std::copy(t.int64_data().begin(), t.int64_data().end(), v.begin());
  }
  return v;
}

float Float(const onnx::NodeProto& n, const std::string& name, float fallback) {
  const onnx::AttributeProto* a = FindAttr(n, name);
  return a == nullptr ? fallback : a->f();
}

}  // namespace moodtune::onnx_read
