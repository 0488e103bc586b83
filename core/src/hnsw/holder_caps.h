// How many holders (nodes whose list at a level holds it) a node keeps per level in fixed room,
// so that a removal finds them without scanning every slot (FORMAT.md "remove"). Past this a
// node's list spills into a growable one (Reachability). Used by the graph and by the load bound
// (the fixed room costs memory per live entry and per upper level). Internal.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ruv::hnsw {

// Level 0: twice the 2m links a list holds (in-degrees past that are rare: hubs), at least 32.
inline uint32_t Level0HolderCap(uint32_t m) { return std::max<uint32_t>(4 * m, 32); }
// Upper levels: twice the m links a list holds, at least 32 (small m makes hubs up there).
inline uint32_t UpperHolderCap(uint32_t m) { return std::max<uint32_t>(2 * m, 32); }

}  // namespace ruv::hnsw
