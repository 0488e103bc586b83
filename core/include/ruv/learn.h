// Pattern learning (ADR-006's `learning` module, RuvBot's ADR-007): a store of patterns matched
// by cosine and weighted by confidence, low-rank adapters (LoRA) on the embedding space trained
// from the agent's feedback, and elastic weight consolidation (EWC) so that a new task does not
// erase an old one. Serialized forms: core/src/learn/FORMAT.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ruv/hnsw.h"
#include "ruv/status.h"

namespace ruv::learn {

// ---- patterns --------------------------------------------------------------------------------

// Numeric values are part of the C ABI and the format: never renumber.
enum class PatternType : uint8_t {
  kResponse = 0,
  kSkillSelection = 1,
  kMemoryRetrieval = 2,
  kConversationFlow = 3,
};
inline constexpr uint32_t kPatternTypeCount = 4;
inline constexpr uint32_t kAllPatternTypes = (1u << kPatternTypeCount) - 1;

// confidence = (successes + 1) / (uses + 2): Laplace's rule, 0.5 for a new pattern.
inline double Confidence(uint32_t usage_count, uint32_t success_count) {
  return (static_cast<double>(success_count) + 1.0) / (static_cast<double>(usage_count) + 2.0);
}

// A pattern used more than `min_uses` times whose success rate is below `min_success_rate`
// becomes inactive (it no longer matches); a later success that lifts the rate revives it.
struct ActivityPolicy {
  uint32_t min_uses = 10;
  double min_success_rate = 0.3;
  bool IsActive(uint32_t usage_count, uint32_t success_count) const {
    return usage_count <= min_uses ||
           static_cast<double>(success_count) >= min_success_rate * static_cast<double>(usage_count);
  }
};

// What a pattern carries besides its embedding. `metadata` is opaque to the core (the JS layer
// stores JSON text there); `id` is any non-empty UTF-8 string.
struct PatternInfo {
  std::string id;
  PatternType type = PatternType::kResponse;
  std::string metadata;
  uint32_t usage_count = 0;
  uint32_t success_count = 0;
  bool active = true;
};

class LoraWeights;

struct MatchOptions {
  float threshold = 0.75f;                // keep rawSimilarity >= threshold
  uint32_t limit = 5;                     // at most this many, best first
  uint32_t type_mask = kAllPatternTypes;  // bit (1 << type) set: that type may match
  const LoraWeights* adapter = nullptr;   // adapt the query first (then rawSimilarity is of f(q))
};

struct PatternMatch {
  uint32_t slot;         // the store's slot of the pattern (valid until the next add/remove)
  float score;           // raw_similarity * confidence
  float raw_similarity;  // cosine of the (adapted) query with the pattern's unit embedding
};

// Ranks candidates the way every backend does: only active patterns of an allowed type with
// raw_similarity >= threshold; by score descending, ties by id ascending (bytewise); at most
// `limit`. `similarity[i]` is the cosine of candidate i.
void RankMatches(const float* similarity, const PatternInfo* const* infos, size_t count,
                 const MatchOptions& options, std::vector<PatternMatch>* out);

// Many patterns behind one object: unit embeddings in one row-major block, counts and flags
// beside them. Matching scans an int8 mirror of the rows (a quarter of the bytes: the f32 scan is
// memory-bound) and rescores in f32 every row whose int8 estimate is within its error bound of
// the threshold, so results are exactly those of the f32 scan. Small stores scan f32 directly.
// Not thread-safe: the bindings serialize calls on one store.
class PatternStore {
 public:
  static constexpr uint32_t kMaxDimensions = 65536;
  static constexpr size_t kMaxIdBytes = 4096;
  // At and above this many patterns, Match scans the int8 mirror first.
  static constexpr size_t kInt8ScanMin = 256;
  // At and above this many patterns (default), Match walks an HNSW index instead of scanning
  // (BENCHMARKS.md measures the crossover: the int8 scan wins below about 3k patterns). The index
  // is built on the first such Match and kept in step with Add and Remove; it is approximate.
  static constexpr uint32_t kDefaultHnswMin = 4096;
  // 0: never use an index (always the exact scan).
  void set_hnsw_min(uint32_t n) { hnsw_min_ = n; }
  uint32_t hnsw_min() const { return hnsw_min_; }
  // True while an HNSW index is kept (built by a Match at or above hnsw_min).
  bool has_index() const { return index_ != nullptr; }
  // Patterns that may match (active); kept as a count so the HNSW walk can skip its filter when
  // nothing needs filtering.
  size_t active_count() const { return infos_.size() - inactive_; }

  static Status Create(uint32_t dimensions, const ActivityPolicy& policy, std::unique_ptr<PatternStore>* out);

  uint32_t dimensions() const { return dimensions_; }
  const ActivityPolicy& policy() const { return policy_; }
  size_t size() const { return infos_.size(); }

  // Adds a pattern, or replaces the one with the same id. The embedding is stored unit-normalized
  // (a zero or non-finite vector is rejected); `active` is recomputed from the counts.
  Status Add(const PatternInfo& info, const float* embedding);
  // True if the id was there.
  bool Remove(std::string_view id);
  // Counts one use (and one success if `success`), updates `active`; NOT_FOUND-like misses are
  // INVALID_ARGUMENT naming the id.
  Status RecordOutcome(std::string_view id, bool success);

  // Slot of an id, or -1.
  int64_t Find(std::string_view id) const;
  const PatternInfo& info(uint32_t slot) const { return infos_[slot]; }
  const float* embedding(uint32_t slot) const { return rows_.data() + size_t{slot} * dimensions_; }

  Status Match(const float* query, const MatchOptions& options, std::vector<PatternMatch>* out) const;

  void Serialize(std::vector<uint8_t>* out) const;
  // Untrusted bytes: CORRUPT_DATA for anything malformed; memory proportional to the input.
  static Status Deserialize(const uint8_t* data, size_t size, std::unique_ptr<PatternStore>* out);

  ~PatternStore();

 private:
  PatternStore(uint32_t dimensions, const ActivityPolicy& policy);
  void ScanSimilarities(const float* q, float threshold, float* sim) const;
  Status IndexCandidates(const float* q, const MatchOptions& options, std::vector<uint32_t>* slots) const;
  Status BuildIndex() const;
  uint32_t dimensions_;
  ActivityPolicy policy_;
  uint32_t hnsw_min_ = kDefaultHnswMin;
  mutable std::unique_ptr<HnswIndex> index_;  // built lazily by Match (calls are serialized)
  std::vector<float> rows_;                   // size() x dimensions_, unit rows
  std::vector<uint8_t> codes_;  // size() x code_bytes(): the rows as scalar int8 codes (quant.h)
  size_t code_bytes() const { return 8 + size_t{dimensions_}; }
  void EncodeRow(uint32_t slot);
  // Sets p.active and keeps inactive_ in step: every change of a flag goes through here.
  void SetActive(PatternInfo& p, bool active);
  std::vector<PatternInfo> infos_;
  size_t inactive_ = 0;
  // Transparent: lookups by string_view (the HNSW filter runs one per visited node) allocate nothing.
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
  };
  std::unordered_map<std::string, uint32_t, IdHash, std::equal_to<>> slot_of_;
};

// Checks an ActivityPolicy (min_success_rate in [0, 1]).
Status ValidatePolicy(const ActivityPolicy& policy);

// ---- LoRA ------------------------------------------------------------------------------------

// f(x) = normalize(x + (alpha / rank) * B (A x)): A is rank x dim, B is dim x rank, row-major.
// A fresh adapter has B = 0, so it is exactly the identity on unit vectors.
class LoraWeights {
 public:
  static constexpr uint32_t kMaxRank = 1024;
  // A fresh adapter: A ~ N(0, 1/dim) from `seed`, B = 0.
  static Status Create(uint32_t dimensions, uint32_t rank, float alpha, uint64_t seed, LoraWeights* out);
  // From stored parameters (2 * rank * dimensions, finite).
  static Status FromParams(uint32_t dimensions, uint32_t rank, float alpha, const float* params, size_t count,
                           LoraWeights* out);

  uint32_t dimensions() const { return dimensions_; }
  uint32_t rank() const { return rank_; }
  float alpha() const { return alpha_; }
  float scale() const { return alpha_ / static_cast<float>(rank_); }
  // Parameters as one vector: A (rank*dim) then B (dim*rank); what EWC and the optimizer see.
  std::vector<float>& params() { return params_; }
  const std::vector<float>& params() const { return params_; }
  const float* a() const { return params_.data(); }
  const float* b() const { return params_.data() + size_t{rank_} * dimensions_; }

  // out = f(x) for `count` rows of `dimensions()` (out may alias x). A row whose adapted vector is
  // zero stays zero.
  void Apply(const float* x, size_t count, float* out) const;

  void Serialize(std::vector<uint8_t>* out) const;
  static Status Deserialize(const uint8_t* data, size_t size, LoraWeights* out);

 private:
  uint32_t dimensions_ = 0;
  uint32_t rank_ = 0;
  float alpha_ = 0;
  std::vector<float> params_;
};

enum class Verdict : uint8_t { kPositive = 0, kNegative = 1, kNeutral = 2 };

// One piece of feedback: the query, the target it led to (a response's or memory's embedding)
// and whether that was right. `reward` (> 0) weights the example; default 1.
struct Trajectory {
  const float* query;
  const float* target;
  Verdict verdict;
  float reward = 1.0f;
};

class Fisher;

struct EwcPenalty {
  const Fisher* fisher = nullptr;  // the old task's importance and anchor
  float lambda = 0;                // adds lambda/2 * sum F (theta - theta*)^2
};

struct LoraConfig {
  uint32_t rank = 8;
  float alpha = 8;  // scale = alpha / rank
  uint32_t epochs = 10;
  uint32_t batch_size = 32;
  float learning_rate = 5e-3f;    // AdamW (beta1 0.9, beta2 0.999, eps 1e-8)
  float weight_decay = 0;         // decoupled, toward 0
  float temperature = 0.05f;      // InfoNCE (sentence-transformers' MultipleNegativesRankingLoss)
  float negative_margin = 0.1f;   // hinge max(0, cos(f(q), t_neg) - margin) for negative verdicts
  float negative_weight = 1.0f;   // weight of the hinge term
  float validation_split = 0;     // share of positives held out for early stopping (0: none)
  uint32_t patience = 3;          // epochs without a better validation loss before stopping
  uint32_t min_trajectories = 8;  // fewer usable trajectories is INVALID_ARGUMENT
  uint64_t seed = 42;
  EwcPenalty ewc;                        // optional
  const LoraWeights* initial = nullptr;  // continue from these (default: the EWC anchor, else fresh)
};

struct TrainReport {
  uint32_t epochs_run = 0;
  float final_train_loss = 0;
  float best_validation_loss = 0;  // 0 without a validation split
};

Status ValidateLoraConfig(const LoraConfig& config, uint32_t dimensions);

// Trains an adapter: InfoNCE over each batch's positives (the other positives' targets of the
// batch are the negatives) plus the hinge term for explicit negatives; neutral verdicts are
// skipped. Deterministic for a seed: fixed batch order, scalar reductions in a fixed order.
// Stepwise, so that a caller can yield (wasm), report progress or stop between epochs:
//   LoraTrainer t; Start(...); while (!t.done()) t.Step(1); t.Finish(&weights);
// The trainer copies what it needs: trajectories and config may go away after Start.
class LoraTrainer {
 public:
  LoraTrainer();
  ~LoraTrainer();
  LoraTrainer(LoraTrainer&&) noexcept;
  LoraTrainer& operator=(LoraTrainer&&) noexcept;

  Status Start(const Trajectory* trajectories, size_t count, uint32_t dimensions, const LoraConfig& config);
  // Runs up to `epochs` more epochs (fewer when training ends: all epochs run, or early stop).
  Status Step(uint32_t epochs);
  bool done() const;
  const TrainReport& report() const;
  // The trained adapter (the best on validation when there is a validation split). Ends training.
  void Finish(LoraWeights* out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// All epochs at once.
Status TrainLora(const Trajectory* trajectories, size_t count, uint32_t dimensions, const LoraConfig& config,
                 LoraWeights* out, TrainReport* report = nullptr);

// ---- EWC -------------------------------------------------------------------------------------

// Diagonal Fisher information of a finished task at its solution, with that solution (theta*).
class Fisher {
 public:
  const std::vector<float>& values() const { return values_; }
  const LoraWeights& anchor() const { return anchor_; }

  // From stored parts (one value per anchor parameter, each finite and >= 0).
  static Status FromParts(LoraWeights anchor, std::vector<float> values, Fisher* out);

  void Serialize(std::vector<uint8_t>* out) const;
  static Status Deserialize(const uint8_t* data, size_t size, Fisher* out);

 private:
  friend class FisherComputer;
  friend Status MergeFisher(const Fisher&, const Fisher&, float, Fisher*);
  std::vector<float> values_;  // one per parameter, mean 1 (all zero if the loss is flat)
  LoraWeights anchor_;
};

// Mean squared per-sample gradient of the training loss (as TrainLora defines it, with
// config's batch size, temperature and margin; batches in trajectory order), normalized to mean 1
// so that lambda carries over between setups.
Status ComputeFisher(const LoraWeights& weights, const Trajectory* trajectories, size_t count,
                     const LoraConfig& config, Fisher* out);

// ComputeFisher in steps of a few batches, so that a caller can yield between them (wasm) or
// report progress: Start, Step until done(), Finish. Copies what it needs at Start.
class FisherComputer {
 public:
  FisherComputer();
  ~FisherComputer();
  Status Start(const LoraWeights& weights, const Trajectory* trajectories, size_t count,
               const LoraConfig& config);
  Status Step(size_t batches);
  bool done() const;
  void Finish(Fisher* out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Online EWC: F = gamma * F_old + F_new, renormalized to mean 1, anchored at the newer solution.
Status MergeFisher(const Fisher& older, const Fisher& newer, float gamma, Fisher* out);

// The closed-form EWC step theta* + (theta - theta*) / (1 + lambda F): moves each parameter toward
// the anchor in proportion to its importance, and never past it.
Status ApplyEwc(const LoraWeights& weights, const Fisher& fisher, float lambda, LoraWeights* out);

}  // namespace ruv::learn
