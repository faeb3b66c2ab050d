// The firmware core's int8 inference routine (int8_net.h): requantisation and layer
// arithmetic on small hand-made nets, and the quantised shipped model against the ONNX model
// on a fixed FER2013 validation subset (the full-set figures: device_int8_eval, see
// firmware/esp32-cam/README.md).
#include "moodtune_core/int8_net.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "common/skip.h"
#include "int8_data.h"
#include "int8_quantizer.h"

namespace moodtune::device {
namespace {

TEST(Int8Net, RequantizeRoundsClampsAndAppliesRelu) {
  const std::int32_t half = 1 << 30;  // 0.5 in Q31
  EXPECT_EQ(Requantize(10, half, 31), 5);
  EXPECT_EQ(Requantize(11, half, 31), 6) << "5.5 rounds up";
  EXPECT_EQ(Requantize(1000, half, 31), 255) << "clamped";
  EXPECT_EQ(Requantize(-10, half, 31), 0) << "ReLU";
  EXPECT_EQ(Requantize(0, half, 31), 0);
  EXPECT_EQ(Requantize(100, half, 35), 3) << "100 x 0.5 / 16 = 3.125";
  EXPECT_EQ(Requantize(100, half, 0), 0) << "an invalid shift yields 0, not UB";
}

// A 4x4 input, conv 1->1 identity-like kernel (centre tap 1), pool, conv 1->2, dense 2->2.
struct TinyNet {
  std::int8_t w0[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
  std::int32_t b0[1] = {0};
  std::int32_t m0[1] = {1 << 30};  // x 0.5
  std::uint8_t s0[1] = {31};
  // Second conv: channel 0 = centre tap x1, channel 1 = sum of the 3x3 neighbourhood.
  std::int8_t w1[18] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::int32_t b1[2] = {0, 0};
  std::int32_t m1[2] = {1 << 30, 1 << 30};
  std::uint8_t s1[2] = {30, 30};  // x 1
  Int8Conv convs[2];
  std::int8_t wd[4] = {1, 0, 0, -1};
  std::int32_t bd[2] = {0, 100};
  Int8Net net;
  TinyNet() {
    convs[0] = Int8Conv{1, 1, 1, w0, b0, m0, s0};
    convs[1] = Int8Conv{1, 2, 0, w1, b1, m1, s1};
    net.side = 4;
    net.convs = convs;
    net.num_convs = 2;
    net.dense = Int8Dense{2, 2, wd, bd};
  }
};

TEST(Int8Net, SmallNetComputesByHand) {
  TinyNet t;
  ASSERT_TRUE(Int8NetValid(t.net));
  // 4x4 gray; input (2g - 255) x 0.5 -> conv0 output; pool 2x2 -> 2x2.
  const std::uint8_t gray[16] = {255, 200, 128, 128,  //
                                 128, 128, 128, 128,  //
                                 0,   0,   140, 128,  //
                                 0,   0,   128, 130};
  std::vector<std::uint8_t> arena(Int8ArenaBytes(t.net));
  std::int32_t logits[2];
  const int top = RunInt8Net(t.net, gray, arena.data(), arena.size(), logits);
  // conv0 (x0.5, ReLU): 255->128 (127.5 rounds up), 200->73 (72.5 up), 128->1 (0.5 up),
  // 0->0 (negative), 140->13 (12.5 up), 130->3 (2.5 up). Pooled: [128, 1; 0, 13].
  // conv1 ch0 = centre: [128, 1; 0, 13]; ch1 = 3x3 sum with zero padding: 142 everywhere.
  // GAP sums: ch0 = 142, ch1 = 568. Dense: l0 = 142, l1 = -568 + 100 = -468.
  EXPECT_EQ(logits[0], 142);
  EXPECT_EQ(logits[1], -468);
  EXPECT_EQ(top, 0);
  EXPECT_EQ(Int8NetMacs(t.net), 4u * 4 * 9 * 1 + 2u * 2 * 9 * 2 + 4u);
}

TEST(Int8Net, RefusesASmallArenaAndMalformedNets) {
  TinyNet t;
  const std::uint8_t gray[16] = {};
  std::vector<std::uint8_t> arena(Int8ArenaBytes(t.net));
  std::int32_t logits[2];
  EXPECT_EQ(RunInt8Net(t.net, gray, arena.data(), arena.size() - 1, logits), -1);
  t.convs[1].cin = 2;  // does not match the first conv's output
  EXPECT_FALSE(Int8NetValid(t.net));
  EXPECT_EQ(Int8ArenaBytes(t.net), 0u);
  EXPECT_EQ(RunInt8Net(t.net, gray, arena.data(), arena.size(), logits), -1);
}

// The plain layer-by-layer computation (whole planes, pooling as its own pass) that the
// core's row-fused routine must reproduce bit for bit.
int ReferenceRun(const Int8Net& net, const std::uint8_t* gray, std::int32_t* logits) {
  int side = net.side;
  std::vector<std::int32_t> cur(gray, gray + side * side);
  for (std::int32_t& v : cur) v = 2 * v - 255;
  int ch = 1;
  for (int i = 0; i < net.num_convs; ++i) {
    const Int8Conv& c = net.convs[i];
    std::vector<std::int32_t> out(static_cast<std::size_t>(side) * side * c.cout);
    for (int y = 0; y < side; ++y)
      for (int x = 0; x < side; ++x)
        for (int co = 0; co < c.cout; ++co) {
          std::int32_t acc = c.bias[co];
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
              const int iy = y + ky - 1, ix = x + kx - 1;
              if (iy < 0 || iy >= side || ix < 0 || ix >= side) continue;
              for (int ci = 0; ci < ch; ++ci)
                acc += cur[(static_cast<std::size_t>(iy) * side + ix) * ch + ci] *
                       c.weights[((static_cast<std::size_t>(co) * 3 + ky) * 3 + kx) * ch + ci];
            }
          out[(static_cast<std::size_t>(y) * side + x) * c.cout + co] =
              Requantize(acc, c.mult[co], c.shift[co]);
        }
    ch = c.cout;
    if (c.pool_after) {
      const int half = side / 2;
      std::vector<std::int32_t> pooled(static_cast<std::size_t>(half) * half * ch);
      for (int y = 0; y < half; ++y)
        for (int x = 0; x < half; ++x)
          for (int k = 0; k < ch; ++k) {
            std::int32_t m = 0;
            for (int dy = 0; dy < 2; ++dy)
              for (int dx = 0; dx < 2; ++dx)
                m = std::max(m, out[((static_cast<std::size_t>(2 * y + dy)) * side + 2 * x + dx) * ch + k]);
            pooled[(static_cast<std::size_t>(y) * half + x) * ch + k] = m;
          }
      out.swap(pooled);
      side = half;
    }
    cur.swap(out);
  }
  int best = 0;
  for (int k = 0; k < net.dense.cout; ++k) {
    std::int32_t acc = net.dense.bias[k];
    for (int c = 0; c < ch; ++c) {
      std::int32_t sum = 0;
      for (int p = 0; p < side * side; ++p) sum += cur[static_cast<std::size_t>(p) * ch + c];
      acc += sum * net.dense.weights[static_cast<std::size_t>(k) * ch + c];
    }
    logits[k] = acc;
    if (acc > logits[best]) best = k;
  }
  return best;
}

// A random net of the given layer shapes (seeded): weights, biases, multipliers.
struct RandomNet {
  std::vector<std::vector<std::int8_t>> w;
  std::vector<std::vector<std::int32_t>> b, m;
  std::vector<std::vector<std::uint8_t>> sh;
  std::vector<Int8Conv> convs;
  std::vector<std::int8_t> wd;
  std::vector<std::int32_t> bd;
  Int8Net net;
  RandomNet(int side, const std::vector<std::pair<int, bool>>& layers, unsigned seed) {
    std::uint32_t x = seed;
    auto next = [&x] { x = x * 1664525u + 1013904223u; return x >> 8; };
    int cin = 1;
    convs.reserve(layers.size());
    for (const auto& [cout, pool] : layers) {
      w.emplace_back(static_cast<std::size_t>(cout) * 9 * cin);
      for (auto& v : w.back()) v = static_cast<std::int8_t>(static_cast<int>(next() % 255) - 127);
      b.emplace_back(cout);
      for (auto& v : b.back()) v = static_cast<std::int32_t>(next() % 20001) - 10000;
      m.emplace_back(cout);
      for (auto& v : m.back()) v = static_cast<std::int32_t>((1u << 30) + next() % (1u << 30));
      sh.emplace_back(cout);
      for (auto& v : sh.back()) v = static_cast<std::uint8_t>(36 + next() % 8);
      convs.push_back(Int8Conv{static_cast<std::uint16_t>(cin), static_cast<std::uint16_t>(cout),
                               static_cast<std::uint8_t>(pool), w.back().data(), b.back().data(),
                               m.back().data(), sh.back().data()});
      cin = cout;
    }
    wd.resize(static_cast<std::size_t>(cin) * 5);
    for (auto& v : wd) v = static_cast<std::int8_t>(static_cast<int>(next() % 255) - 127);
    bd.assign(5, 0);
    net.side = static_cast<std::uint16_t>(side);
    net.convs = convs.data();
    net.num_convs = static_cast<std::uint8_t>(convs.size());
    net.dense = Int8Dense{static_cast<std::uint16_t>(cin), 5, wd.data(), bd.data()};
  }
};

TEST(Int8Net, RowFusedRoutineMatchesThePlainComputationBitForBit) {
  const std::vector<std::pair<int, std::vector<std::pair<int, bool>>>> shapes = {
      {16, {{4, false}, {6, true}, {8, false}, {8, true}}},  // fused first pair, pooled
      {12, {{3, false}, {5, false}, {4, true}}},             // fused first pair, no pool
      {10, {{4, true}, {6, false}, {6, true}}},              // first layer pools: not fused
      {9, {{3, false}, {4, true}, {4, true}}},               // odd sides: pools floor
      {8, {{5, false}}},                                      // one layer
  };
  unsigned seed = 1;
  for (const auto& [side, layers] : shapes) {
    const RandomNet r(side, layers, seed++);
    ASSERT_TRUE(Int8NetValid(r.net));
    std::vector<std::uint8_t> arena(Int8ArenaBytes(r.net));
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<std::uint8_t> gray(static_cast<std::size_t>(side) * side);
      for (std::size_t i = 0; i < gray.size(); ++i)
        gray[i] = static_cast<std::uint8_t>((i * 37 + trial * 101 + side) % 256);
      std::int32_t got[5], want[5];
      const int top = RunInt8Net(r.net, gray.data(), arena.data(), arena.size(), got);
      const int want_top = ReferenceRun(r.net, gray.data(), want);
      EXPECT_EQ(top, want_top) << "side " << side << " trial " << trial;
      for (int k = 0; k < 5; ++k) EXPECT_EQ(got[k], want[k]) << "side " << side << " logit " << k;
    }
  }
}

TEST(Int8Net, QuantisedEmotionModelAgreesWithTheOnnxModel) {
  testing::FloatNet f;
  std::string error;
  if (!testing::LoadFloatNet(testing::EmotionOnnxPath(), &f, &error))
    MOODTUNE_SKIP_OR_FAIL("models/emotion/emotion.onnx: " << error << " (scripts/fetch_models.sh)");
  const testing::Crops calib = testing::LoadFer("train", 1, 64);
  const testing::Crops val = testing::LoadFer("validation", 10, 0);  // every 10th: 356 crops
  if (calib.gray.empty() || val.gray.empty())
    MOODTUNE_SKIP_OR_FAIL("no FER2013 under " << moodtune_test::DataDir());
  const testing::QuantizedNet q = testing::Quantize(f, calib.gray);
  const cv::Mat probs = testing::FloatProbs(f, val.gray);
  std::vector<std::uint8_t> arena(Int8ArenaBytes(q.net));
  int agree = 0, right_int8 = 0, right_float = 0;
  double max_logit_err = 0;
  for (std::size_t i = 0; i < val.gray.size(); ++i) {
    std::int32_t logits[kNumWireEmotions];
    const int top = RunInt8Net(q.net, val.gray[i].ptr<std::uint8_t>(), arena.data(), arena.size(),
                               logits);
    ASSERT_GE(top, 0);
    if (i % 50 == 0) {  // the row-fused routine and the plain computation, on the real model
      std::int32_t want[kNumWireEmotions];
      EXPECT_EQ(ReferenceRun(q.net, val.gray[i].ptr<std::uint8_t>(), want), top);
      for (int k = 0; k < kNumWireEmotions; ++k) EXPECT_EQ(logits[k], want[k]) << "crop " << i;
    }
    cv::Point maxloc;
    cv::minMaxLoc(probs.row(static_cast<int>(i)), nullptr, nullptr, nullptr, &maxloc);
    agree += top == maxloc.x;
    right_int8 += top == val.label[i];
    right_float += maxloc.x == val.label[i];
    // The int8 logits, as probabilities, next to the float ones.
    double z[kNumWireEmotions], zmax = -1e30, sum = 0;
    for (int k = 0; k < kNumWireEmotions; ++k) zmax = std::max(zmax, z[k] = logits[k] * q.logit_scale);
    for (double& v : z) sum += v = std::exp(v - zmax);
    for (int k = 0; k < kNumWireEmotions; ++k)
      max_logit_err = std::max(max_logit_err, std::fabs(z[k] / sum - probs.at<float>(static_cast<int>(i), k)));
  }
  const double n = static_cast<double>(val.gray.size());
  RecordProperty("int8_top1_agreement_x1000", static_cast<int>(1000 * agree / n));
  RecordProperty("int8_accuracy_x1000", static_cast<int>(1000 * right_int8 / n));
  RecordProperty("float_accuracy_x1000", static_cast<int>(1000 * right_float / n));
  EXPECT_GE(agree / n, 0.97) << "top-1 agreement on " << n << " crops";
  EXPECT_LE(std::fabs(right_int8 - right_float) / n, 0.02)
      << "int8 " << right_int8 / n << " vs float " << right_float / n;
  EXPECT_LT(max_logit_err, 0.25) << "largest probability difference";
  EXPECT_LE(arena.size(), 64u * 1024) << "the issue's RAM goal for the on-device net";
  RecordProperty("int8_arena_bytes", static_cast<int>(arena.size()));
}

}  // namespace
}  // namespace moodtune::device
