// EWC: the closed-form step never overshoots its anchor, the Fisher is normalized, and on two
// tasks that compete for the same queries, the penalty keeps the first task while the second is
// learned (medians over seeds, with the numbers and a lambda sweep printed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "learn_test_util.h"
#include "ruv/learn.h"

namespace ruv::learn {
namespace {

using test::MakeTask;
using test::Positives;
using test::TopOne;

Fisher MakeFisher(uint32_t dim, uint32_t rank, uint64_t seed) {
  SeededRandom rng(seed);
  test::TaskSpec spec;
  spec.dim = dim;
  spec.k = 4;
  const test::Task t = MakeTask(spec, test::RandomRotation(4, &rng), 40, &rng);
  LoraWeights w;
  EXPECT_TRUE(LoraWeights::Create(dim, rank, rank, seed, &w).ok());
  for (float& p : w.params()) p += static_cast<float>(0.1 * rng.Normal());
  const std::vector<Trajectory> trajs = Positives(t, 0, t.size());
  Fisher f;
  LoraConfig c;
  c.batch_size = 8;
  EXPECT_TRUE(ComputeFisher(w, trajs.data(), trajs.size(), c, &f).ok());
  return f;
}

TEST(EwcTest, FisherIsNonNegativeWithMeanOne) {
  const Fisher f = MakeFisher(24, 4, 1);
  double sum = 0;
  for (float v : f.values()) {
    EXPECT_GE(v, 0.0f);
    sum += v;
  }
  EXPECT_NEAR(sum / static_cast<double>(f.values().size()), 1.0, 1e-4);
}

TEST(EwcTest, ClosedFormStepNeverOvershootsTheAnchor) {
  const Fisher f = MakeFisher(24, 4, 2);
  LoraWeights moved = f.anchor();
  SeededRandom rng(3);
  for (float& p : moved.params()) p += static_cast<float>(rng.Normal());
  for (float lambda : {0.0f, 0.5f, 10.0f, 1e6f}) {
    LoraWeights out;
    ASSERT_TRUE(ApplyEwc(moved, f, lambda, &out).ok());
    for (size_t k = 0; k < out.params().size(); ++k) {
      const double anchor = f.anchor().params()[k], theta = moved.params()[k], got = out.params()[k];
      const double want = anchor + (theta - anchor) / (1.0 + double{lambda} * f.values()[k]);
      ASSERT_NEAR(got, want, 1e-5 * std::max(1.0, std::fabs(want))) << k;
      // Between the anchor and theta, inclusive: never past the anchor.
      ASSERT_LE(std::min(anchor, theta) - 1e-6, got);
      ASSERT_GE(std::max(anchor, theta) + 1e-6, got);
    }
    if (lambda == 0.0f) EXPECT_EQ(out.params(), moved.params());
  }
}

TEST(EwcTest, MergeIsOnlineEwc) {
  const Fisher older = MakeFisher(24, 4, 4), newer = MakeFisher(24, 4, 5);
  Fisher merged;
  ASSERT_TRUE(MergeFisher(older, newer, 0.5f, &merged).ok());
  double total = 0;
  std::vector<double> raw(merged.values().size());
  for (size_t k = 0; k < raw.size(); ++k) total += raw[k] = 0.5 * older.values()[k] + newer.values()[k];
  for (size_t k = 0; k < raw.size(); ++k) {
    ASSERT_NEAR(merged.values()[k], raw[k] * static_cast<double>(raw.size()) / total, 1e-4);
  }
  EXPECT_EQ(merged.anchor().params(), newer.anchor().params());
  const Fisher small = MakeFisher(24, 2, 6);
  EXPECT_EQ(MergeFisher(older, small, 0.5f, &merged).code(), ErrorCode::kDimensionMismatch);
  EXPECT_EQ(MergeFisher(older, newer, 2.0f, &merged).code(), ErrorCode::kInvalidArgument);
}

// Task A and task B share their queries' subspace; each maps it to its own targets (in its own
// subspace) by its own hidden rotation. Both fit in one adapter (the map of the shared subspace
// can point at both target subspaces: A is then ranked among A's targets unchanged), but training
// B alone pulls that map toward B's targets only.
struct Sequential {
  double a_after_a, a_after_b, b_after_b;
};

constexpr uint32_t kDim = 128;
constexpr size_t kTrain = 600, kHeld = 200;
constexpr float kEwcLambda = 1.0f;
// Task B is trained longer than A (an agent's new task keeps coming): forgetting is what that does.
constexpr uint32_t kEpochsB = 30;

Sequential RunSequential(uint64_t seed, float lambda) {
  SeededRandom rng(seed);
  test::TaskSpec spec_a, spec_b;
  spec_a.dim = spec_b.dim = kDim;
  spec_a.target_offset = 32;
  spec_b.target_offset = 64;
  const test::Task a = MakeTask(spec_a, test::RandomRotation(spec_a.k, &rng), kTrain + kHeld, &rng);
  const test::Task b = MakeTask(spec_b, test::RandomRotation(spec_b.k, &rng), kTrain + kHeld, &rng);
  const std::vector<Trajectory> ta = Positives(a, 0, kTrain), tb = Positives(b, 0, kTrain);
  LoraConfig c;
  c.rank = 16;
  c.alpha = 16;
  c.seed = seed;
  LoraWeights wa, wb;
  EXPECT_TRUE(TrainLora(ta.data(), ta.size(), kDim, c, &wa).ok());
  Fisher fa;
  EXPECT_TRUE(ComputeFisher(wa, ta.data(), ta.size(), c, &fa).ok());
  c.initial = &wa;
  c.epochs = kEpochsB;
  if (lambda > 0) c.ewc = {&fa, lambda};
  EXPECT_TRUE(TrainLora(tb.data(), tb.size(), kDim, c, &wb).ok());
  return {TopOne(a, kTrain, a.size(), &wa), TopOne(a, kTrain, a.size(), &wb),
          TopOne(b, kTrain, b.size(), &wb)};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST(EwcTest, PenaltyPreventsForgetting) {
  std::vector<double> plain_ratio, ewc_a, ewc_b;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const Sequential plain = RunSequential(seed, 0);
    const Sequential ewc = RunSequential(seed, kEwcLambda);
    std::printf(
        "seed %llu: A after A %.3f | no EWC: A after B %.3f, B %.3f | EWC (lambda %g): A %.3f, B %.3f\n",
        static_cast<unsigned long long>(seed), plain.a_after_a, plain.a_after_b, plain.b_after_b,
        double{kEwcLambda}, ewc.a_after_b, ewc.b_after_b);
    plain_ratio.push_back(plain.a_after_b / plain.a_after_a);
    ewc_a.push_back(ewc.a_after_b);
    ewc_b.push_back(ewc.b_after_b);
  }
  std::printf("medians: no EWC keeps %.2f of A; EWC: A %.3f, B %.3f\n", Median(plain_ratio), Median(ewc_a),
              Median(ewc_b));
  EXPECT_LE(Median(plain_ratio), 0.6);
  EXPECT_GE(Median(ewc_a), 0.85);
  EXPECT_GE(Median(ewc_b), 0.9);
}

TEST(EwcTest, LambdaSweep) {
  for (float lambda : {0.0f, 0.1f, 0.3f, 1.0f, 3.0f, 10.0f, 100.0f}) {
    const Sequential s = RunSequential(1, lambda);
    std::printf("lambda %8g: A after A %.3f, A after B %.3f, B %.3f\n", double{lambda}, s.a_after_a,
                s.a_after_b, s.b_after_b);
  }
}

}  // namespace
}  // namespace ruv::learn
