// LoRA adapters: identity at the start, gradients against finite differences, and tasks with a
// known answer (a hidden rotation learned from positives; explicit negatives pushed down; a rank
// too small for the task visibly failing).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "learn_test_util.h"
#include "lora_math.h"
#include "ruv/learn.h"
#include "ruv/vector_ops.h"
#include "testing/test_util.h"

namespace ruv::learn {
namespace {

using test::MakeTask;
using test::Positives;
using test::TopOne;

TEST(LoraTest, FreshAdapterIsExactlyTheIdentity) {
  LoraWeights w;
  ASSERT_TRUE(LoraWeights::Create(97, 8, 16, 7, &w).ok());
  const std::vector<float> x = ruv::test::RandomFloats(97 * 5, 3);
  std::vector<float> want(x.size()), got(x.size());
  for (size_t r = 0; r < 5; ++r) Normalize(x.data() + r * 97, 97, want.data() + r * 97);
  w.Apply(x.data(), 5, got.data());
  // B = 0 adds exactly 0 to x: what is left is the normalization's rounding (fixed-order sum here,
  // SIMD sum in Normalize), a few ulps.
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(got[i], want[i], 4e-7f * std::fabs(want[i]) + 1e-9f) << i;
  // B is zero, A is not: the adapter is an identity by construction, not by being empty.
  double a_norm = 0;
  for (size_t i = 0; i < size_t{8} * 97; ++i) a_norm += std::fabs(w.a()[i]);
  EXPECT_GT(a_norm, 1.0);
}

TEST(LoraTest, RejectsBadShapes) {
  LoraWeights w;
  EXPECT_EQ(LoraWeights::Create(0, 1, 1, 0, &w).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(LoraWeights::Create(4, 5, 1, 0, &w).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(LoraWeights::Create(4, 2, 0, 0, &w).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(LoraWeights::Create(4, 2, NAN, 0, &w).code(), ErrorCode::kInvalidArgument);
}

// Loss of one batch as a function of the parameters (forward + BatchLoss), in float.
float BatchLossAt(const LoraWeights& w, const internal::Examples& ex, const std::vector<uint32_t>& rows,
                  const LoraConfig& c, std::vector<float>* gy_out = nullptr) {
  const size_t d = w.dimensions();
  std::vector<float> y(rows.size() * d), h(w.rank()), gy(rows.size() * d);
  float norm;
  for (size_t i = 0; i < rows.size(); ++i)
    internal::Forward(w, ex.queries.data() + rows[i] * d, h.data(), y.data() + i * d, &norm);
  const float loss = internal::BatchLoss(ex, rows.data(), rows.size(), y.data(), c, false, gy.data());
  if (gy_out != nullptr) *gy_out = gy;
  return loss;
}

TEST(LoraTest, GradientsMatchFiniteDifferences) {
  const uint32_t d = 12, r = 3;
  LoraWeights w;
  ASSERT_TRUE(LoraWeights::Create(d, r, 6, 11, &w).ok());
  SeededRandom rng(5);
  for (float& p : w.params()) p += static_cast<float>(0.3 * rng.Normal());  // B away from 0
  const std::vector<float> q = ruv::test::RandomFloats(6 * d, 21), t = ruv::test::RandomFloats(6 * d, 22);
  std::vector<Trajectory> trajs;
  for (size_t i = 0; i < 6; ++i) {
    trajs.push_back({q.data() + i * d, t.data() + i * d, i == 4 ? Verdict::kNegative : Verdict::kPositive,
                     i == 2 ? 2.0f : 1.0f});
  }
  internal::Examples ex;
  ASSERT_TRUE(internal::CollectExamples(trajs.data(), trajs.size(), d, &ex).ok());
  LoraConfig c;
  c.temperature = 0.5f;
  c.negative_margin = -1.0f;  // the hinge is active: its gradient is checked too
  std::vector<uint32_t> rows = {0, 1, 2, 3, 4, 5};
  std::vector<float> gy;
  BatchLossAt(w, ex, rows, c, &gy);
  std::vector<float> grad(w.params().size(), 0.0f), h(r), y(d), du(d);
  float norm;
  for (size_t i = 0; i < rows.size(); ++i) {
    internal::Forward(w, ex.queries.data() + i * d, h.data(), y.data(), &norm);
    internal::Backward(w, ex.queries.data() + i * d, h.data(), y.data(), norm, gy.data() + i * d, grad.data(),
                       du.data());
  }
  double worst = 0;
  for (size_t k = 0; k < w.params().size(); ++k) {
    const float keep = w.params()[k];
    const float step = 1e-2f;
    w.params()[k] = keep + step;
    const double up = BatchLossAt(w, ex, rows, c);
    w.params()[k] = keep - step;
    const double down = BatchLossAt(w, ex, rows, c);
    w.params()[k] = keep;
    const double numeric = (up - down) / (2.0 * step);
    const double err = std::fabs(numeric - grad[k]) / std::max(1.0, std::fabs(numeric));
    worst = std::max(worst, err);
    EXPECT_NEAR(grad[k], numeric, 2e-3 * std::max(1.0, std::fabs(numeric))) << "parameter " << k;
  }
  std::printf("gradient check: worst relative error %.2e over %zu parameters\n", worst, w.params().size());
}

struct HiddenTransform {
  test::Task task;
  size_t train = 0;  // queries [0, train) train; [train, size) are held out
};

HiddenTransform MakeHiddenTransform(uint64_t seed, uint32_t dim, size_t train, size_t held) {
  SeededRandom rng(seed);
  test::TaskSpec spec;
  spec.dim = dim;
  const std::vector<double> rot = test::RandomRotation(spec.k, &rng);
  return {MakeTask(spec, rot, train + held, &rng), train};
}

const uint32_t kDim = ruv::test::kSanitized ? 64 : 384;

TEST(LoraTest, LearnsAHiddenTransform) {
  const HiddenTransform ht = MakeHiddenTransform(1, kDim, 1000, 200);
  const size_t n = ht.task.size();
  const double raw = TopOne(ht.task, ht.train, n, nullptr);
  LoraConfig c;
  c.rank = 16;
  c.alpha = 16;
  LoraWeights fresh;
  ASSERT_TRUE(LoraWeights::Create(kDim, c.rank, c.alpha, c.seed, &fresh).ok());
  const double untrained = TopOne(ht.task, ht.train, n, &fresh);
  const std::vector<Trajectory> trajs = Positives(ht.task, 0, ht.train);
  LoraWeights w;
  TrainReport report;
  ASSERT_TRUE(TrainLora(trajs.data(), trajs.size(), kDim, c, &w, &report).ok());
  const double trained = TopOne(ht.task, ht.train, n, &w);
  std::printf(
      "hidden transform: held-out top-1 raw %.3f, untrained adapter %.3f, trained %.3f (loss %.3f, %u "
      "epochs)\n",
      raw, untrained, trained, report.final_train_loss, report.epochs_run);
  EXPECT_LT(raw, 0.05);
  EXPECT_EQ(untrained, raw);
  EXPECT_GE(trained, 0.9);
}

TEST(LoraTest, RankTooSmallForTheTaskVisiblyFails) {
  const HiddenTransform ht = MakeHiddenTransform(1, kDim, 1000, 200);
  LoraConfig c;
  c.rank = 2;
  c.alpha = 2;
  const std::vector<Trajectory> trajs = Positives(ht.task, 0, ht.train);
  LoraWeights w;
  ASSERT_TRUE(TrainLora(trajs.data(), trajs.size(), kDim, c, &w).ok());
  const double trained = TopOne(ht.task, ht.train, ht.task.size(), &w);
  std::printf("capacity control: rank 2 on a rank-16 task: held-out top-1 %.3f\n", trained);
  EXPECT_LT(trained, 0.5);
}

TEST(LoraTest, ExplicitNegativesAreRankedLower) {
  // Queries whose "negative" targets sit close to them: without the hinge nothing pushes them away.
  const HiddenTransform ht = MakeHiddenTransform(2, kDim, 400, 0);
  SeededRandom rng(9);
  std::vector<float> negatives(200 * size_t{kDim});
  std::vector<Trajectory> trajs = Positives(ht.task, 0, 400);
  for (size_t i = 0; i < 200; ++i) {
    float* t = negatives.data() + i * kDim;
    for (uint32_t j = 0; j < kDim; ++j) t[j] = ht.task.query(i)[j] + static_cast<float>(0.05 * rng.Normal());
    trajs.push_back({ht.task.query(i), t, Verdict::kNegative, 1.0f});
  }
  LoraConfig c;
  c.rank = 16;
  c.alpha = 16;
  c.negative_margin = 0.0f;
  LoraWeights w;
  ASSERT_TRUE(TrainLora(trajs.data(), trajs.size(), kDim, c, &w).ok());
  double before = 0, after = 0;
  std::vector<float> q(kDim), qa(kDim);
  for (size_t i = 0; i < 200; ++i) {
    const float* t = negatives.data() + i * kDim;
    before += 1.0 - Distance(ht.task.query(i), t, kDim, Metric::kCosine);
    w.Apply(ht.task.query(i), 1, qa.data());
    after += 1.0 - Distance(qa.data(), t, kDim, Metric::kCosine);
  }
  std::printf("negatives: mean cosine to the negative targets %.3f before training, %.3f after\n",
              before / 200, after / 200);
  EXPECT_LT(after / 200, before / 200 - 0.3);
}

TEST(LoraTest, SameSeedSameWeights) {
  const HiddenTransform ht = MakeHiddenTransform(3, 32, 100, 0);
  const std::vector<Trajectory> trajs = Positives(ht.task, 0, 100);
  LoraConfig c;
  c.epochs = 3;
  LoraWeights a, b, other;
  ASSERT_TRUE(TrainLora(trajs.data(), trajs.size(), 32, c, &a).ok());
  ASSERT_TRUE(TrainLora(trajs.data(), trajs.size(), 32, c, &b).ok());
  c.seed = 43;
  ASSERT_TRUE(TrainLora(trajs.data(), trajs.size(), 32, c, &other).ok());
  EXPECT_EQ(a.params(), b.params());
  EXPECT_NE(a.params(), other.params());
}

TEST(LoraTest, ValidationSplitStopsEarlyAndKeepsTheBest) {
  const HiddenTransform ht = MakeHiddenTransform(4, 64, 300, 0);
  const std::vector<Trajectory> trajs = Positives(ht.task, 0, 300);
  LoraConfig c;
  c.epochs = 200;
  c.learning_rate = 0.05f;
  c.validation_split = 0.2f;
  c.patience = 2;
  LoraWeights w;
  TrainReport report;
  ASSERT_TRUE(TrainLora(trajs.data(), trajs.size(), 64, c, &w, &report).ok());
  EXPECT_LT(report.epochs_run, 200u);
  EXPECT_GT(report.best_validation_loss, 0.0f);
}

TEST(LoraTest, ClearErrors) {
  const HiddenTransform ht = MakeHiddenTransform(5, 32, 10, 0);
  std::vector<Trajectory> trajs = Positives(ht.task, 0, 5);
  LoraConfig c;
  c.rank = 4;
  LoraWeights w;
  Status s = TrainLora(trajs.data(), trajs.size(), 32, c, &w);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("at least 8"), std::string::npos) << s.message();
  trajs = Positives(ht.task, 0, 10);
  c.temperature = 0;
  EXPECT_EQ(TrainLora(trajs.data(), trajs.size(), 32, c, &w).code(), ErrorCode::kInvalidArgument);
  c.temperature = 0.05f;
  std::vector<float> bad(32, 0.0f);
  bad[3] = NAN;
  trajs[2].query = bad.data();
  EXPECT_EQ(TrainLora(trajs.data(), trajs.size(), 32, c, &w).code(), ErrorCode::kNonFinite);
}

}  // namespace
}  // namespace ruv::learn
