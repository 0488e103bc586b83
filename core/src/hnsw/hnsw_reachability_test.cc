// Product rule: every stored id stays findable after any insert / remove / replace / batch
// sequence. Checked on the graph itself: a breadth-first walk over level-0 links from the entry
// point reaches every live node, and every node is found by a search with its own vector.
#include <gtest/gtest.h>

#include <random>

#include "hnsw_graph.h"
#include "hnsw_test_util.h"

namespace ruv::hnsw::testing {
namespace {

HnswConfig Config(size_t dim, Metric metric, uint32_t m = 8, uint32_t ef_construction = 64) {
  HnswConfig c;
  c.dimensions = static_cast<uint32_t>(dim);
  c.metric = metric;
  c.m = m;
  c.ef_construction = ef_construction;
  c.seed = 7;
  return c;
}

// Every live id whose own vector (row of d) does not bring it back among the first k at ef.
std::vector<std::string> NotFoundByOwnVector(const Graph& g, const Dataset& d,
                                             const std::vector<size_t>& row_of_slot, size_t k, size_t ef) {
  std::vector<std::string> missing;
  Scratch s;
  for (uint32_t slot = 0; slot < g.slot_count(); ++slot) {
    if (!g.is_live(slot)) continue;
    g.Search(d.row(row_of_slot[slot]), k, ef, nullptr, nullptr, &s);
    bool found = false;
    for (const Candidate& c : s.selected) found = found || c.slot == slot;
    if (!found) missing.push_back(g.id(slot));
  }
  return missing;
}

std::string Describe(const Graph& g, const std::vector<uint32_t>& slots) {
  std::string out;
  for (const uint32_t s : slots) out += g.id(s) + " ";
  return out;
}

// Seeded random inserts, replaces (remove + insert of the same id with a new vector) and removes
// on clustered data, which is where the heuristic prunes hardest.
// With `lengths`, each row is scaled by a seeded factor in [0.2, 5): dot product then favours
// long rows, which is where closed groups of three or more nodes used to be cut off.
void RandomOperations(Metric metric, uint64_t seed, bool lengths = false, size_t check_every = 50) {
  const size_t kEf = 100;  // moderate: the graph holds about 370 nodes, m = 8
  const size_t dim = 16;
  const size_t pool = 2000;
  Dataset d = Clustered(pool, dim, 12, 0.08f, seed);
  if (lengths) {
    std::mt19937_64 len_rng(seed ^ 0x5DEECE66Dull);
    std::uniform_real_distribution<float> len(0.2f, 5.0f);
    for (size_t i = 0; i < pool; ++i) {
      const float f = len(len_rng);
      for (size_t j = 0; j < dim; ++j) d.data[i * dim + j] *= f;
    }
  }
  Graph g(Config(dim, metric, 8));
  Scratch s;
  std::mt19937_64 rng(seed);
  std::vector<size_t> row_of_slot;
  const size_t ids = 500;
  auto put = [&](size_t id, size_t row) {
    if (const uint32_t old = g.Find(Id(id)); old != kNone) g.Remove(old, &s);
    g.Insert(Id(id), d.row(row), &s);
    const uint32_t slot = g.Find(Id(id));
    if (row_of_slot.size() <= slot) row_of_slot.resize(slot + 1);
    row_of_slot[slot] = row;
  };
  for (size_t i = 0; i < 300; ++i) put(i, rng() % pool);
  const size_t steps = Scaled(4000);
  for (size_t step = 0; step < steps; ++step) {
    const size_t id = rng() % ids;
    if (rng() % 4 == 0) {
      if (const uint32_t slot = g.Find(Id(id)); slot != kNone) g.Remove(slot, &s);
    } else {
      put(id, rng() % pool);
    }
    if (step % check_every == 0 || step + 1 == steps) {
      const std::vector<uint32_t> lost = g.Unreachable();
      ASSERT_TRUE(lost.empty()) << "metric " << static_cast<int>(metric) << " seed " << seed
                                << (lengths ? " (scaled rows)" : "") << " step " << step << ": unreachable "
                                << Describe(g, lost);
      ASSERT_TRUE(g.InDegreesConsistentForTest()) << "step " << step;
    }
  }
  // Dot product: a longer vector may outscore a node's own; reachability is what counts there.
  if (metric != Metric::kDotProduct && !lengths) {
    EXPECT_EQ(NotFoundByOwnVector(g, d, row_of_slot, 10, kEf), std::vector<std::string>{})
        << "metric " << static_cast<int>(metric) << " seed " << seed;
  }
}

TEST(HnswReachabilityTest, RandomInsertReplaceRemoveKeepsEveryNodeReachable) {
  for (const Metric metric : {Metric::kCosine, Metric::kEuclidean, Metric::kDotProduct}) {
    for (const uint64_t seed : {11u, 12u, 13u}) RandomOperations(metric, seed);
  }
}

// Dot product over rows of very different lengths (and euclidean over the same rows): the case
// where a closed group of three or more nodes could lose its last in-link from outside.
TEST(HnswReachabilityTest, DotProductOverScaledRowsKeepsEveryNodeReachable) {
  for (const Metric metric : {Metric::kDotProduct, Metric::kEuclidean}) {
    for (const uint64_t seed : {21u, 22u, 23u, 24u}) RandomOperations(metric, seed, true, 10);
  }
}

// Small m with efConstruction 1 (issue 15, defect 8): the heuristic keeps cutting nodes off, and
// the repair used to walk the whole graph (a sweep) for most inserts and sort every slot for each
// node it reconnected, so 5k-insert chunks took 0.9, 3.8, 7.8, 11.8 s at m 4. Repairs now search
// near the node (bounded work); a sweep stays the rare last resort. Reachability still exact.
TEST(HnswReachabilityTest, SmallMRepairsStayLocal) {
  for (const uint32_t m : {2u, 3u, 4u}) {
    const Dataset d = RandomUnit(Scaled(3000), 32, 500 + m);
    Graph g(Config(32, Metric::kEuclidean, m, 1));
    Scratch s;
    for (size_t i = 0; i < d.size(); ++i) g.Insert(Id(i), d.row(i), &s);
    for (size_t i = 0; i < d.size(); i += 5) g.Remove(g.Find(Id(i)), &s);
    const std::vector<uint32_t> lost = g.Unreachable();
    ASSERT_TRUE(lost.empty()) << "m " << m << ": unreachable " << Describe(g, lost);
    ASSERT_TRUE(g.InDegreesConsistentForTest()) << "m " << m;
    // Before: a sweep for most inserts (over 2,000 in 3,000 at m 2).
    EXPECT_LT(g.SweepsForTest(), d.size() / 20) << "m " << m;
  }
}

// Removal scanned every slot's lists at every level of the removed node for the lists holding
// it: O(n) per delete, so replacing every id of an index was quadratic (issue 15, defect 8). Each
// node now keeps its holders at every level: the lists examined per removal must not grow with
// the index (4x the entries: the scan examined 4x as many), no removal may scan, and the repair
// must stay the scan's (in-degrees and holder lists exact, every id reachable, findable at m 16,
// before and after a reload), at every m.
TEST(HnswReachabilityTest, RemovalWorkDoesNotGrowWithTheIndex) {
  for (const uint32_t m : {2u, 4u, 16u}) {
    double per_removal[2] = {0, 0};
    for (int size = 0; size < 2; ++size) {
      const size_t n = Scaled(1000) << (2 * size);
      const Dataset d = RandomUnit(2 * n, 32, 900 + m);
      Graph g(Config(32, Metric::kCosine, m, m == 2 ? 1 : 64));
      Scratch s;
      for (size_t i = 0; i < n; ++i) g.Insert(Id(i), d.row(i), &s);
      size_t removals = 0;
      for (size_t i = 0; i < n; i += 2, ++removals) g.Insert(Id(i), d.row(n + i), &s);  // replace
      for (size_t i = 1; i < n; i += 6, ++removals) g.Remove(g.Find(Id(i)), &s);
      per_removal[size] = static_cast<double>(g.RemovalWorkForTest()) / static_cast<double>(removals);
      const std::string what = "m " + std::to_string(m) + ", " + std::to_string(n) + " entries";
      EXPECT_EQ(g.RemovalScansForTest(), 0u) << what;
      ASSERT_TRUE(g.InDegreesConsistentForTest()) << what;
      std::vector<uint8_t> bytes;
      g.Serialize(&bytes);
      std::unique_ptr<Graph> loaded;
      ASSERT_TRUE(Graph::Deserialize(bytes.data(), bytes.size(), &loaded).ok()) << what;
      ASSERT_TRUE(loaded->InDegreesConsistentForTest()) << what << ", loaded";
      for (const Graph* graph : {&g, loaded.get()}) {
        const std::vector<uint32_t> lost = graph->Unreachable();
        ASSERT_TRUE(lost.empty()) << what << ": unreachable " << Describe(*graph, lost);
        std::vector<size_t> row_of_slot(graph->slot_count());
        for (size_t i = 0; i < n; ++i) {
          const uint32_t slot = graph->Find(Id(i));
          if (slot != kNone) row_of_slot[slot] = i % 2 == 0 ? n + i : i;
        }
        // (At m 2 and 4 on random 32-d rows even a fresh build leaves some rows unfound.)
        if (m >= 16) {
          EXPECT_EQ(NotFoundByOwnVector(*graph, d, row_of_slot, 10, 100), std::vector<std::string>{}) << what;
        }
      }
    }
    std::cerr << "m " << m << ": lists examined per removal " << per_removal[0] << " then " << per_removal[1]
              << "\n";
    EXPECT_LT(per_removal[1], 1.6 * per_removal[0]) << "m " << m;
  }
}

// Level-0 holder lists cost 260 bytes per slot at m 16: an index keeps them only from its first
// removal on, building them then from the link lists. Until then (a build, a load) it holds none;
// the first removal, and every later one, scans nothing and leaves them exact, on a built index
// and on a loaded one.
TEST(HnswReachabilityTest, Level0HoldersAreKeptFromTheFirstRemoval) {
  const size_t n = Scaled(2000);
  const Dataset d = RandomUnit(n, 32, 77);
  Graph g(Config(32, Metric::kCosine, 16, 64));
  Scratch s;
  for (size_t i = 0; i < n; ++i) g.Insert(Id(i), d.row(i), &s);
  EXPECT_FALSE(g.KeepsHolders0ForTest());
  std::vector<uint8_t> bytes;
  g.Serialize(&bytes);
  std::unique_ptr<Graph> loaded;
  ASSERT_TRUE(Graph::Deserialize(bytes.data(), bytes.size(), &loaded).ok());
  EXPECT_FALSE(loaded->KeepsHolders0ForTest());
  EXPECT_LE(loaded->Stats().memory_bytes, g.Stats().memory_bytes);  // (no holder room made by the load)
  for (Graph* graph : {&g, loaded.get()}) {
    const size_t before = graph->Stats().memory_bytes;
    graph->Remove(graph->Find(Id(0)), &s);
    EXPECT_TRUE(graph->KeepsHolders0ForTest());
    EXPECT_GE(graph->Stats().memory_bytes,
              before + 4 * 65 * (n - 1));  // the level-0 room, (4m + 1) words a slot
    for (size_t i = 1; i < n; i += 7) graph->Remove(graph->Find(Id(i)), &s);
    EXPECT_EQ(graph->RemovalScansForTest(), 0u);
    ASSERT_TRUE(graph->InDegreesConsistentForTest());
    const std::vector<uint32_t> lost = graph->Unreachable();
    ASSERT_TRUE(lost.empty()) << "unreachable " << Describe(*graph, lost);
  }
}

// Identical rows make hubs: the heuristic keeps the first copy and drops the others (as hnswlib
// does), so the first takes the in-links the others would get, past the room a holder list has
// (137 at m 16 with 2 copies of each row). Such lists spill instead of overflowing: with 2 and 3
// copies of every row, replacing the earliest ids (the biggest hubs) must never scan, and every
// holder list stay exact.
TEST(HnswReachabilityTest, HubsOfIdenticalRowsAreRemovedWithoutAScan) {
  for (const size_t copies : {2u, 3u}) {
    const size_t n = Scaled(6000);
    const Dataset d = RandomUnit(2 * n / copies + 1, 32, 61);
    Graph g(Config(32, Metric::kCosine, 16, 64));
    Scratch s;
    for (size_t i = 0; i < n; ++i) g.Insert(Id(i), d.row(i / copies), &s);
    for (size_t i = 0; i < n / 4; ++i) g.Insert(Id(i), d.row(n / copies + i / copies), &s);
    for (size_t i = n / 4; i < n / 2; i += 3) g.Remove(g.Find(Id(i)), &s);
    EXPECT_EQ(g.RemovalScansForTest(), 0u) << copies << " copies";
    ASSERT_TRUE(g.InDegreesConsistentForTest()) << copies << " copies";
    const std::vector<uint32_t> lost = g.Unreachable();
    ASSERT_TRUE(lost.empty()) << copies << " copies: unreachable " << Describe(g, lost);
  }
}

TEST(HnswReachabilityTest, ParallelBatchKeepsEveryNodeReachable) {
  const size_t n = std::max<size_t>(Scaled(1500), 1100);  // >= 256 entries per thread at 4
  const size_t dim = 32;
  const Dataset d = Clustered(n, dim, 30, 0.1f, 411);
  std::vector<std::string> ids(n);
  std::vector<std::pair<std::string_view, const float*>> entries;
  for (size_t i = 0; i < n; ++i) ids[i] = Id(i);
  for (size_t i = 0; i < n; ++i) entries.emplace_back(ids[i], d.row(i));
  const int rounds = testing::kSanitized ? 2 : 5;
  for (const unsigned threads : {2u, 4u}) {
    for (int round = 0; round < rounds; ++round) {
      Graph g(Config(dim, Metric::kCosine, 16, 100));
      std::unique_lock lookup(g.lookup_lock());
      g.InsertMany(entries, threads, &lookup);
      lookup.unlock();
      ASSERT_EQ(g.live_count(), n);
      std::vector<size_t> row_of_slot(g.slot_count());
      for (size_t i = 0; i < n; ++i) row_of_slot[g.Find(ids[i])] = i;
      const std::vector<uint32_t> lost = g.Unreachable();
      ASSERT_TRUE(lost.empty()) << threads << " threads, round " << round << ": unreachable "
                                << Describe(g, lost);
      ASSERT_TRUE(g.InDegreesConsistentForTest());
      // Reachability above is exact; finding a row by its own vector is the approximate search
      // on a graph that differs run to run (thread timing), so it is checked at a generous ef
      // (at ef 64 this test failed once in CI, not reproduced in 75 local runs).
      EXPECT_EQ(NotFoundByOwnVector(g, d, row_of_slot, 10, 200), std::vector<std::string>{})
          << threads << " threads, round " << round;
    }
  }
}

}  // namespace
}  // namespace ruv::hnsw::testing
