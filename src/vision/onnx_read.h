// Small helpers for reading ONNX files with Debian's libonnx (libonnx-dev): attributes and
// float/int64 initializers. Used by the graph readers (blazeface_graph.cc, conv_chain_onnx.cc),
// which accept exactly the node patterns they can run and refuse the rest.
// Thread-safety: pure functions.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "moodtune/status.h"

namespace moodtune::onnx_read {

const onnx::AttributeProto* FindAttr(const onnx::NodeProto& n, const std::string& name);
// Unsupported: "not <graph> at <op> '<name>': <why>" (graph: what the reader accepts, e.g.
// "a BlazeFace graph").
Status Refuse(const onnx::NodeProto& n, const char* graph, const std::string& why);
// Refuse naming the first attribute of `n` not in `known` (it could change the function).
Status OnlyAttrs(const onnx::NodeProto& n, const char* graph,
                 std::initializer_list<const char*> known);
std::vector<std::int64_t> Ints(const onnx::NodeProto& n, const std::string& name,
                               std::vector<std::int64_t> fallback);
std::int64_t Int(const onnx::NodeProto& n, const std::string& name, std::int64_t fallback);
float Float(const onnx::NodeProto& n, const std::string& name, float fallback);
bool AutoPadUnset(const onnx::NodeProto& n);
// A float initializer as a CV_32F Mat of its dims (a scalar as 1 value).
Result<cv::Mat> FloatTensor(const onnx::TensorProto& t);
// A 1-D int64 initializer.
Result<std::vector<std::int64_t>> Int64Tensor(const onnx::TensorProto& t);

}  // namespace moodtune::onnx_read
