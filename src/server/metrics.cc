#include "metrics.h"

#include <cstdio>
#include <sstream>

namespace moodtune::server {
namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

void RenderHistogram(std::ostringstream& out, const std::string& name, const std::string& label,
                     const std::string& value, const Histogram& h) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    cumulative += h.buckets[i];
    out << name << "_bucket{" << label << "=\"" << value << "\",le=\"" << Num(kLatencyBuckets[i])
        << "\"} " << cumulative << "\n";
  }
  out << name << "_bucket{" << label << "=\"" << value << "\",le=\"+Inf\"} " << h.count << "\n";
  out << name << "_sum{" << label << "=\"" << value << "\"} " << Num(h.sum) << "\n";
  out << name << "_count{" << label << "=\"" << value << "\"} " << h.count << "\n";
}

}  // namespace

void Histogram::Observe(double seconds) {
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      ++buckets[i];
      break;
    }
  }
  ++count;
  sum += seconds;
}

void Metrics::ObserveRequest(std::string_view route, std::string_view method, int status,
                             double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(route), std::string(method), status}];
  latency_[std::string(route)].Observe(seconds);
}

void Metrics::ObserveStage(std::string_view stage, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  stages_[std::string(stage)].Observe(seconds);
}

void Metrics::SetGauge(std::string_view name, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_[std::string(name)] = value;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream out;
  out << "# HELP moodtune_http_requests_total HTTP requests by route, method and status.\n"
         "# TYPE moodtune_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out << "moodtune_http_requests_total{route=\"" << route << "\",method=\"" << method
        << "\",status=\"" << status << "\"} " << n << "\n";
  }
  out << "# HELP moodtune_http_request_duration_seconds Request latency by route.\n"
         "# TYPE moodtune_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_)
    RenderHistogram(out, "moodtune_http_request_duration_seconds", "route", route, h);
  out << "# HELP moodtune_stage_duration_seconds Time per processing stage (decode; analyze = "
         "detect + align + classify; annotate; recommend, which includes history_read and "
         "history_write; json).\n"
         "# TYPE moodtune_stage_duration_seconds histogram\n";
  for (const auto& [stage, h] : stages_)
    RenderHistogram(out, "moodtune_stage_duration_seconds", "stage", stage, h);
  for (const auto& [name, v] : gauges_)
    out << "# TYPE " << name << " gauge\n" << name << " " << Num(v) << "\n";
  return out.str();
}

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",     "HEAD",  "POST",  "PUT",   "DELETE",
                                                "OPTIONS", "PATCH", "TRACE", "CONNECT"};
  if (method.empty()) return "-";
  for (std::string_view m : kKnown)
    if (method == m) return m;
  return "other";
}

std::string RouteLabel(std::string_view path) {
  static constexpr std::string_view kExact[] = {
      "/", "/recommend", "/v1/analyze", "/v1/recommendations", "/v1/feedback",
      "/v1/device/mood", "/healthz", "/readyz", "/metrics", "/openapi.json"};
  for (std::string_view r : kExact)
    if (path == r) return std::string(r);
  if (path.rfind("/static/", 0) == 0) return "/static/{id}";
  if (path.rfind("/assets/", 0) == 0) return "/assets/{file}";
  if (path == "/v1/live") return "/v1/live";
  if (path.rfind("/v1/live/", 0) == 0)
    return path.ends_with("/frames") ? "/v1/live/{id}/frames" : "/v1/live/{id}";
  return "other";
}

}  // namespace moodtune::server
