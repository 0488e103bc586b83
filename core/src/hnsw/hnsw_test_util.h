// Test data and the brute-force oracle for the HNSW tests (double precision, written from the
// metric definitions in ruv/vector_ops.h, independent of the index and of the SIMD kernels).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ruv/hnsw.h"
#include "testing/test_util.h"

namespace ruv::hnsw::testing {

using ::ruv::test::kSanitized;

// Sizes shrink under sanitizers so the suite stays quick there.
inline size_t Scaled(size_t n) { return kSanitized ? std::max<size_t>(n / 3, 200) : n; }

struct Dataset {
  size_t dim = 0;
  std::vector<float> data;  // row-major
  size_t size() const { return data.size() / dim; }
  const float* row(size_t i) const { return data.data() + i * dim; }
};

inline void NormalizeRow(float* v, size_t dim) {
  double n = 0;
  for (size_t i = 0; i < dim; ++i) n += double{v[i]} * v[i];
  n = std::sqrt(n);
  if (n > 0) {
    for (size_t i = 0; i < dim; ++i) v[i] = static_cast<float>(v[i] / n);
  }
}

// Uniformly random directions (Gaussian, normalized).
inline Dataset RandomUnit(size_t n, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Dataset d{dim, std::vector<float>(n * dim)};
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < dim; ++j) d.data[i * dim + j] = normal(rng);
    NormalizeRow(d.data.data() + i * dim, dim);
  }
  return d;
}

// `clusters` random unit centres; each point = centre + N(0, sigma^2 I), normalized.
inline Dataset Clustered(size_t n, size_t dim, size_t clusters, float sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Dataset centres = RandomUnit(clusters, dim, seed ^ 0x9E3779B97F4A7C15ull);
  Dataset d{dim, std::vector<float>(n * dim)};
  for (size_t i = 0; i < n; ++i) {
    const float* c = centres.row(rng() % clusters);
    for (size_t j = 0; j < dim; ++j) d.data[i * dim + j] = c[j] + sigma * normal(rng);
    NormalizeRow(d.data.data() + i * dim, dim);
  }
  return d;
}

inline double ExactDistance(const float* a, const float* b, size_t dim, Metric metric) {
  double dot = 0, na = 0, nb = 0, l2 = 0;
  for (size_t i = 0; i < dim; ++i) {
    dot += double{a[i]} * b[i];
    na += double{a[i]} * a[i];
    nb += double{b[i]} * b[i];
    l2 += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
  }
  switch (metric) {
    case Metric::kCosine:
      return (na == 0 || nb == 0) ? 1.0 : 1.0 - dot / std::sqrt(na * nb);
    case Metric::kEuclidean:
      return std::sqrt(l2);
    default:
      return -dot;
  }
}

// Indices of the k rows nearest to q among rows where allowed(i) holds, nearest first.
template <typename Allowed>
std::vector<size_t> BruteForce(const Dataset& d, const float* q, size_t k, Metric metric, Allowed allowed) {
  std::vector<std::pair<double, size_t>> all;
  for (size_t i = 0; i < d.size(); ++i) {
    if (allowed(i)) all.push_back({ExactDistance(q, d.row(i), d.dim, metric), i});
  }
  const size_t n = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(n), all.end());
  std::vector<size_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(all[i].second);
  return out;
}

inline std::vector<size_t> BruteForce(const Dataset& d, const float* q, size_t k, Metric metric) {
  return BruteForce(d, q, k, metric, [](size_t) { return true; });
}

inline std::string Id(size_t i) { return "id-" + std::to_string(i); }

// Builds an index over every row of d with ids Id(i).
inline std::unique_ptr<HnswIndex> Build(const Dataset& d, HnswConfig config) {
  config.dimensions = static_cast<uint32_t>(d.dim);
  std::unique_ptr<HnswIndex> index;
  if (!HnswIndex::Create(config, &index).ok()) return nullptr;
  for (size_t i = 0; i < d.size(); ++i) {
    if (!index->Insert(Id(i), d.row(i)).ok()) return nullptr;
  }
  return index;
}

// Mean recall@k of the index over `queries` against brute force over rows where allowed(i).
template <typename Allowed>
double Recall(const HnswIndex& index, const Dataset& d, const Dataset& queries, size_t k, uint32_t ef,
              Allowed allowed, const HnswFilter* filter = nullptr) {
  double hits = 0, total = 0;
  std::vector<HnswSearchHit> out;
  HnswSearchOptions options;
  options.ef = ef;
  options.filter = filter;
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    const auto truth = BruteForce(d, queries.row(qi), k, index.config().metric, allowed);
    if (!index.Search(queries.row(qi), k, options, &out).ok()) return -1;
    for (const size_t t : truth) {
      const std::string id = Id(t);
      hits += std::any_of(out.begin(), out.end(), [&](const HnswSearchHit& h) { return h.id == id; });
    }
    total += static_cast<double>(truth.size());
  }
  return total == 0 ? 1.0 : hits / total;
}

inline double Recall(const HnswIndex& index, const Dataset& d, const Dataset& queries, size_t k,
                     uint32_t ef) {
  return Recall(index, d, queries, k, ef, [](size_t) { return true; });
}

}  // namespace ruv::hnsw::testing
