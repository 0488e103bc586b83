// Recall@10 and search latency of ruv::HnswIndex on 10k x 384 (the benchmark shape):
// uniform random unit vectors and clustered vectors, M=16, efConstruction=100, ef=50, k=10.
// Build: g++ -O2 -std=c++20 -Icore/include -Icore/src bench/hnsw/hnsw_recall_bench.cc \
//          build/<dir>/core/libruv_core.a -lhwy -lpthread -o hnsw_recall_bench
// Usage: hnsw_recall_bench [n=10000] [dim=384] [queries=200] [threads=1]
// Prints build time, recall against exact brute force, p50/p99 latency, and the same for int8.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "hnsw/hnsw_test_util.h"
#include "ruv/hnsw.h"

using namespace ruv;
using namespace ruv::hnsw::testing;

namespace {

void Run(const char* name, const Dataset& d, const Dataset& q, HnswStorage storage,
         unsigned threads) {
  HnswConfig c;
  c.dimensions = static_cast<uint32_t>(d.dim);
  c.m = 16;
  c.ef_construction = 100;
  c.ef_search = 50;
  c.storage = storage;
  std::unique_ptr<HnswIndex> index;
  if (!HnswIndex::Create(c, &index).ok()) return;
  std::vector<std::string> ids(d.size());
  std::vector<HnswEntry> entries(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    ids[i] = Id(i);
    entries[i] = {ids[i], d.row(i)};
  }
  const auto t0 = std::chrono::steady_clock::now();
  if (!index->InsertBatch(entries, threads).ok()) return;
  const double build_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<double> lat;
  std::vector<HnswSearchHit> out;
  for (size_t i = 0; i < q.size(); ++i) {
    const auto s0 = std::chrono::steady_clock::now();
    (void)index->Search(q.row(i), 10, {}, &out);
    lat.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - s0)
                      .count());
  }
  std::sort(lat.begin(), lat.end());
  const double recall = Recall(*index, d, q, 10, 50);
  const HnswStats st = index->Stats();
  std::printf("%-10s %-7s build %.2f s (%u thr)  recall@10 %.4f  p50 %.1f us  p99 %.1f us  "
              "vector bytes %zu  memory %zu\n",
              name, storage == HnswStorage::kInt8 ? "int8" : "float32", build_s, threads, recall,
              lat[lat.size() / 2], lat[lat.size() * 99 / 100], st.vector_bytes, st.memory_bytes);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const size_t dim = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 384;
  const size_t nq = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 200;
  const unsigned threads = argc > 4 ? static_cast<unsigned>(std::strtoul(argv[4], nullptr, 10)) : 1;
  std::printf("simd target %s, n=%zu dim=%zu queries=%zu M=16 efC=100 ef=50 k=10\n",
              ActiveSimdTarget(), n, dim, nq);
  const Dataset random = RandomUnit(n, dim, 1);
  const Dataset random_q = RandomUnit(nq, dim, 2);
  const Dataset clustered = Clustered(n + nq, dim, 100, 0.05f, 3);
  Dataset cd{dim, std::vector<float>(clustered.data.begin(), clustered.data.begin() + n * dim)};
  Dataset cq{dim, std::vector<float>(clustered.data.begin() + n * dim, clustered.data.end())};
  Run("random", random, random_q, HnswStorage::kFloat32, threads);
  Run("clustered", cd, cq, HnswStorage::kFloat32, threads);
  Run("random", random, random_q, HnswStorage::kInt8, threads);
  Run("clustered", cd, cq, HnswStorage::kInt8, threads);
  return 0;
}
