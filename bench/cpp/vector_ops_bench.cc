// Micro-benchmarks of the core's vector kernels beside the memory-bandwidth references they are
// judged against (issue: batchDistance of one query vs 10,000 x 384 within 2x of streaming the
// 15 MB from memory; quantize within 2x of a memcpy of the vector).
// Run: build/bench/bench/cpp/ruv_vector_ops_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "ruv/quant.h"
#include "ruv/vector_ops.h"

namespace {

constexpr size_t kDim = 384;
// 10,000 rows (15 MB) is the case and stays in this machine's 32 MB L3; 100,000 rows
// (154 MB) shows the same ratio against DRAM.
constexpr size_t kRowsSmall = 10000;
constexpr size_t kRowsLarge = 100000;

std::vector<float> RandomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Reading every byte once is the floor for any kernel that touches all rows. Integer adds
// vectorize without -ffast-math, and this file is built with -march=native, so this is a plain
// streaming read at the machine's widest vectors, with 4 independent sums to hide latency.
void BM_StreamRead(benchmark::State& state) {
  const size_t rows_count = static_cast<size_t>(state.range(0));
  const std::vector<float> rows = RandomFloats(rows_count * kDim, 3);
  const auto* words = reinterpret_cast<const uint32_t*>(rows.data());
  for (auto _ : state) {
    uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = 0; i + 4 <= rows.size(); i += 4) {
      s0 += words[i];
      s1 += words[i + 1];
      s2 += words[i + 2];
      s3 += words[i + 3];
    }
    benchmark::DoNotOptimize(s0 + s1 + s2 + s3);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * rows.size() * sizeof(float)));
}
BENCHMARK(BM_StreamRead)->Arg(kRowsSmall)->Arg(kRowsLarge)->ArgName("rows");

void BM_BatchDistance384(benchmark::State& state) {
  const auto metric = static_cast<ruv::Metric>(state.range(1));
  const size_t kRows = static_cast<size_t>(state.range(0));
  const std::vector<float> rows = RandomFloats(kRows * kDim, 3);
  const std::vector<float> query = RandomFloats(kDim, 1);
  std::vector<float> out(kRows);
  for (auto _ : state) {
    ruv::BatchDistance(query.data(), rows.data(), kRows, kDim, metric, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * rows.size() * sizeof(float)));
  state.SetLabel(ruv::ActiveSimdTarget());
}
BENCHMARK(BM_BatchDistance384)
    ->ArgsProduct({{kRowsSmall, kRowsLarge}, {0, 1, 2}})
    ->ArgNames({"rows", "metric"});

void BM_Distance384(benchmark::State& state) {
  const auto metric = static_cast<ruv::Metric>(state.range(0));
  const std::vector<float> a = RandomFloats(kDim, 1);
  const std::vector<float> b = RandomFloats(kDim, 2);
  for (auto _ : state) benchmark::DoNotOptimize(ruv::Distance(a.data(), b.data(), kDim, metric));
}
BENCHMARK(BM_Distance384)->Arg(0)->Arg(1)->Arg(2)->ArgName("metric");

void BM_Memcpy384(benchmark::State& state) {
  const std::vector<float> a = RandomFloats(kDim, 1);
  std::vector<float> out(kDim);
  for (auto _ : state) {
    std::memcpy(out.data(), a.data(), kDim * sizeof(float));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_Memcpy384);

void BM_Quantize384(benchmark::State& state) {
  ruv::QuantConfig config;
  config.type = static_cast<ruv::QuantType>(state.range(0));
  const std::vector<float> a = RandomFloats(kDim, 1);
  std::vector<uint8_t> out(ruv::QuantizedSize(config, kDim));
  for (auto _ : state) {
    if (!ruv::Quantize(a.data(), kDim, config, out.data(), out.size()).ok()) state.SkipWithError("quantize failed");
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Quantize384)->Arg(0)->Arg(1)->Arg(2)->ArgName("type");

void BM_Normalize384(benchmark::State& state) {
  std::vector<float> a = RandomFloats(kDim, 1);
  std::vector<float> out(kDim);
  for (auto _ : state) {
    ruv::Normalize(a.data(), kDim, out.data());
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_Normalize384);

}  // namespace

BENCHMARK_MAIN();
