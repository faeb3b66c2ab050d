// Prometheus metrics for the service: request counts by route/method/status, request latency
// histograms by route, and stage timings (decode, analyze, annotate, recommend).
// Thread-safety: all methods may be called concurrently (one mutex; updates are tiny).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace moodtune::server {

// Upper bounds in seconds of the latency histogram buckets (+Inf is implied).
inline constexpr std::array<double, 12> kLatencyBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

struct Histogram {
  std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};  // non-cumulative counts
  std::uint64_t count = 0;
  double sum = 0;  // seconds
  void Observe(double seconds);
};

class Metrics {
 public:
  // `route` must come from a bounded set (route patterns, not raw paths).
  void ObserveRequest(std::string_view route, std::string_view method, int status,
                      double seconds);
  // stage: "decode", "analyze", "annotate", "recommend".
  void ObserveStage(std::string_view stage, double seconds);
  void SetGauge(std::string_view name, double value);  // e.g. moodtune_models_ready

  // Prometheus text exposition format 0.0.4.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, Histogram> stages_;
  std::map<std::string, double> gauges_;
};

// Maps a request path to its route label: "/recommend", "/static/{id}", ... or "other".
std::string RouteLabel(std::string_view path);

// Maps a request method to its label: one of the standard methods, "-" when empty, else
// "other" (the method is client text: any token up to the header limit, which must not become
// a new metrics series or a raw log field).
std::string_view MethodLabel(std::string_view method);

}  // namespace moodtune::server
