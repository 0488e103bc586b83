// Bulk insertion of new, distinct ids.
#include "hnsw_graph.h"

namespace ruv::hnsw {

void Graph::InsertMany(const std::vector<std::pair<std::string_view, const float*>>& entries,
                       unsigned threads) {
  (void)threads;
  Scratch s;
  for (const auto& [id, vector] : entries) Insert(id, vector, &s);
}

}  // namespace ruv::hnsw
