// The learning part of the C ABI: a store through its packed records and match results, training
// step by step to its report, the stateless adapter / Fisher / EWC calls, and every error path
// returning its code with a message that names the call.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ruv_capi_learn.h"
#include "testing/test_util.h"

namespace {

template <typename T>
T At(const uint8_t* p, size_t offset) {
  T v;
  std::memcpy(&v, p + offset, sizeof(T));
  return v;
}

std::string LastError() { return ruv_last_error_message(); }

ruv_lora_config_t Config(uint32_t rank, uint32_t epochs) {
  ruv_lora_config_t c{};
  c.rank = rank;
  c.alpha = static_cast<float>(rank);
  c.epochs = epochs;
  c.batch_size = 8;
  c.learning_rate = 5e-3f;
  c.temperature = 0.05f;
  c.negative_margin = 0.1f;
  c.negative_weight = 1.0f;
  c.patience = 3;
  c.min_trajectories = 8;
  c.seed = 42;
  return c;
}

TEST(CapiLearnTest, StoreRoundTripThroughPackedRecords) {
  ruv_patterns* h = nullptr;
  ASSERT_EQ(ruv_patterns_create(3, 10, 0.3, &h), RUV_OK);
  const float a[3] = {3, 4, 0}, b[3] = {0, 0, 2};
  const std::string meta = "{\"k\":1}";
  ASSERT_EQ(ruv_patterns_add(h, "a", 1, 0, meta.data(), meta.size(), 2, 1, a, 3), RUV_OK);
  ASSERT_EQ(ruv_patterns_add(h, "b", 1, 3, nullptr, 0, 0, 0, b, 3), RUV_OK);
  ASSERT_EQ(ruv_patterns_record_outcome(h, "a", 1, 1), RUV_OK);
  ruv_bytes* out = nullptr;
  ASSERT_EQ(ruv_patterns_match(h, a, 3, 0.5f, 5, 0xF, 0, 0, nullptr, 0, &out), RUV_OK);
  const uint8_t* m = ruv_bytes_data(out);
  ASSERT_EQ(At<uint32_t>(m, 0), 1u);                     // count
  ASSERT_EQ(At<uint32_t>(m, 4), 3u);                     // dim
  EXPECT_FLOAT_EQ(At<float>(m, 8), 1.0f * 3.0f / 5.0f);  // score: cos 1 x (2 + 1) / (3 + 2)
  EXPECT_FLOAT_EQ(At<float>(m, 12), 1.0f);               // raw similarity
  EXPECT_EQ(At<uint32_t>(m, 16), 0u);                    // type
  EXPECT_EQ(At<uint32_t>(m, 20), 3u);                    // usage
  EXPECT_EQ(At<uint32_t>(m, 24), 2u);                    // success
  EXPECT_EQ(At<uint32_t>(m, 28), 1u);                    // active
  EXPECT_FLOAT_EQ(At<float>(m, 40), 0.6f);               // the unit embedding
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(m) + 52, 1 + meta.size()), "a" + meta);
  ruv_bytes_free(out);
  ASSERT_EQ(ruv_patterns_get(h, "zz", 2, &out), RUV_OK);
  EXPECT_EQ(ruv_bytes_size(out), 0u);
  ruv_bytes_free(out);
  ASSERT_EQ(ruv_patterns_serialize(h, &out), RUV_OK);
  ruv_patterns* back = nullptr;
  ASSERT_EQ(ruv_patterns_deserialize(ruv_bytes_data(out), ruv_bytes_size(out), &back), RUV_OK);
  ruv_bytes_free(out);
  uint32_t info[4];
  ASSERT_EQ(ruv_patterns_info(back, info), RUV_OK);
  EXPECT_EQ(info[0], 2u);
  EXPECT_EQ(info[1], uint32_t{RUV_PATTERNS_HNSW_MIN});
  EXPECT_EQ(info[2], 0u);
  EXPECT_EQ(info[3], 2u);  // both active
  int32_t found = -1;
  ASSERT_EQ(ruv_patterns_has(back, "b", 1, &found), RUV_OK);
  EXPECT_EQ(found, 1);
  int32_t removed = 0;
  ASSERT_EQ(ruv_patterns_remove(back, "b", 1, &removed), RUV_OK);
  EXPECT_EQ(removed, 1);
  ASSERT_EQ(ruv_patterns_has(back, "b", 1, &found), RUV_OK);
  EXPECT_EQ(found, 0);
  EXPECT_EQ(ruv_patterns_has(back, "b", 1, nullptr), RUV_INVALID_ARGUMENT);
  ruv_patterns_free(back);
  ruv_patterns_free(h);
}

TEST(CapiLearnTest, TrainingStepsToItsReport) {
  const uint32_t dim = 16, rank = 4;
  const size_t n = 24, np = 2 * rank * dim;
  const std::vector<float> q = ruv::test::RandomFloats(n * dim, 1), t = ruv::test::RandomFloats(n * dim, 2);
  const std::vector<uint8_t> verdicts(n, 0);
  const std::vector<float> rewards(n, 1.0f);
  const ruv_lora_config_t config = Config(rank, 3);
  ruv_lora_trainer* trainer = nullptr;
  ASSERT_EQ(ruv_lora_train_start(dim, q.data(), t.data(), verdicts.data(), rewards.data(), n, &config,
                                 nullptr, nullptr, nullptr, np, &trainer),
            RUV_OK);
  ruv_lora_report_t report{};
  for (uint32_t epoch = 1; epoch <= 3; ++epoch) {
    ASSERT_EQ(ruv_lora_train_step(trainer, 1, &report), RUV_OK);
    EXPECT_EQ(report.epochs_run, epoch);
    EXPECT_EQ(report.done, epoch == 3 ? 1u : 0u);
    EXPECT_TRUE(std::isfinite(report.train_loss));
  }
  std::vector<float> params(np);
  EXPECT_EQ(ruv_lora_train_finish(trainer, params.data(), np - 1), RUV_DIMENSION_MISMATCH);
  ASSERT_EQ(ruv_lora_train_finish(trainer, params.data(), np), RUV_OK);
  EXPECT_EQ(ruv_lora_train_finish(trainer, params.data(), np), RUV_INVALID_ARGUMENT);  // already finished
  ruv_lora_trainer_free(trainer);
  // The trained adapter moves a query; the Fisher has mean 1; EWC with lambda 0 changes nothing.
  std::vector<float> fresh(np), adapted(dim), fisher(np), same(np);
  ASSERT_EQ(ruv_lora_init(dim, rank, static_cast<float>(rank), 42, fresh.data(), np), RUV_OK);
  ASSERT_EQ(
      ruv_lora_apply(dim, rank, static_cast<float>(rank), params.data(), np, q.data(), 1, adapted.data()),
      RUV_OK);
  ruv_fisher_job* job = nullptr;
  ASSERT_EQ(ruv_fisher_start(dim, rank, static_cast<float>(rank), params.data(), np, q.data(), t.data(),
                             verdicts.data(), rewards.data(), n, &config, &job),
            RUV_OK);
  EXPECT_EQ(ruv_fisher_finish(job, fisher.data(), np), RUV_INVALID_ARGUMENT);  // steps remain
  int32_t done = 0, steps = 0;
  while (!done) {
    ASSERT_EQ(ruv_fisher_step(job, 1, &done), RUV_OK);
    ++steps;
  }
  EXPECT_EQ(steps, 3);  // 24 trajectories in batches of 8
  ASSERT_EQ(ruv_fisher_finish(job, fisher.data(), np), RUV_OK);
  ruv_fisher_job_free(job);
  double mean = 0;
  for (float f : fisher) mean += f;
  EXPECT_NEAR(mean / np, 1.0, 1e-4);
  ASSERT_EQ(ruv_ewc_apply(dim, rank, static_cast<float>(rank), params.data(), fresh.data(), fisher.data(), np,
                          0.0f, same.data()),
            RUV_OK);
  EXPECT_EQ(same, params);
}

TEST(CapiLearnTest, ErrorsNameTheCall) {
  ruv_patterns* h = nullptr;
  EXPECT_EQ(ruv_patterns_create(0, 10, 0.3, &h), RUV_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("ruv_patterns_create"), std::string::npos) << LastError();
  EXPECT_EQ(ruv_patterns_create(4, 10, 0.3, nullptr), RUV_INVALID_ARGUMENT);
  ASSERT_EQ(ruv_patterns_create(4, 10, 0.3, &h), RUV_OK);
  const float v[4] = {1, 0, 0, 0};
  EXPECT_EQ(ruv_patterns_add(h, "x", 1, 0, nullptr, 0, 0, 0, v, 3), RUV_DIMENSION_MISMATCH);
  EXPECT_NE(LastError().find("ruv_patterns_add"), std::string::npos) << LastError();
  EXPECT_EQ(ruv_patterns_add(h, "x", 1, 9, nullptr, 0, 0, 0, v, 4), RUV_INVALID_ARGUMENT);
  EXPECT_EQ(ruv_patterns_add(h, nullptr, 3, 0, nullptr, 0, 0, 0, v, 4), RUV_INVALID_ARGUMENT);
  EXPECT_EQ(ruv_patterns_record_outcome(h, "nope", 4, 1), RUV_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("'nope'"), std::string::npos) << LastError();
  ruv_bytes* out = nullptr;
  EXPECT_EQ(ruv_patterns_at(h, 0, &out), RUV_INVALID_ARGUMENT);
  const float params[8] = {};
  EXPECT_EQ(ruv_patterns_match(h, v, 4, 0.5f, 5, 0xF, 1, 1.0f, params, 7, &out), RUV_DIMENSION_MISMATCH);
  EXPECT_EQ(ruv_patterns_deserialize(reinterpret_cast<const uint8_t*>("RUVPATS"), 7, &h), RUV_CORRUPT_DATA);
  ruv_patterns_free(h);
  float o[4];
  const float bad[4] = {1, NAN, 0, 0};
  EXPECT_EQ(ruv_lora_apply(4, 1, 1.0f, params, 8, bad, 1, o), RUV_NON_FINITE);
  EXPECT_EQ(ruv_lora_apply(4, 5, 1.0f, params, 8, v, 1, o), RUV_INVALID_ARGUMENT);
  EXPECT_EQ(ruv_lora_init(4, 1, 1.0f, 0, o, 4), RUV_DIMENSION_MISMATCH);
  ruv_lora_trainer* t = nullptr;
  const ruv_lora_config_t c = Config(1, 1);
  const uint8_t verdict = 7;
  const float reward = 1;
  EXPECT_EQ(ruv_lora_train_start(4, v, v, &verdict, &reward, 1, &c, nullptr, nullptr, nullptr, 8, &t),
            RUV_INVALID_ARGUMENT);
  EXPECT_EQ(ruv_lora_train_start(4, v, v, &verdict, &reward, 1, &c, nullptr, params, nullptr, 8, &t),
            RUV_INVALID_ARGUMENT);  // a Fisher needs both halves
  EXPECT_EQ(ruv_lora_train_step(nullptr, 1, nullptr), RUV_INVALID_ARGUMENT);
  EXPECT_EQ(t, nullptr);
}

}  // namespace
