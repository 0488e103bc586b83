// The learning part of the C ABI (ruv_capi_learn.h): argument checks and conversions around
// core/include/ruv/learn.h. Errors go through capi_error.h.
#include "ruv_capi_learn.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capi_bytes.h"
#include "capi_error.h"
#include "common/byte_io.h"
#include "ruv/learn.h"
#include "ruv/vector_ops.h"

struct ruv_patterns {
  std::unique_ptr<ruv::learn::PatternStore> store;
};

struct ruv_fisher_job {
  ruv::learn::FisherComputer computer;
  size_t n_params = 0;
};

struct ruv_lora_trainer {
  ruv::learn::LoraTrainer trainer;
  size_t n_params = 0;
};

namespace {

using ruv::capi::Fail;
using ruv::capi::Guard;
using ruv::capi::Report;
using namespace ruv::learn;

constexpr auto kInvalid = ruv::ErrorCode::kInvalidArgument;
constexpr auto kMismatch = ruv::ErrorCode::kDimensionMismatch;

std::string_view View(const char* p, size_t n) {
  return n == 0 ? std::string_view() : std::string_view(p, n);
}

int32_t CheckString(const char* fn, const char* what, const char* p, size_t n) {
  if (p == nullptr && n != 0) return Fail(kInvalid, (std::string(fn) + ": null " + what).c_str());
  return RUV_OK;
}

int32_t CheckStoreDim(const char* fn, const ruv_patterns* h, size_t dim) {
  if (dim != h->store->dimensions()) {
    return Fail(kMismatch,
                (std::string(fn) + ": vector length " + std::to_string(dim) + " does not match the store's " +
                 std::to_string(h->store->dimensions()) + " dimensions")
                    .c_str());
  }
  return RUV_OK;
}

void PutRecord(ruv::ByteWriter* w, const PatternStore& store, uint32_t slot) {
  const PatternInfo& p = store.info(slot);
  w->U32(static_cast<uint32_t>(p.type));
  w->U32(p.usage_count);
  w->U32(p.success_count);
  w->U32(p.active ? 1 : 0);
  w->U32(static_cast<uint32_t>(p.id.size()));
  w->U32(static_cast<uint32_t>(p.metadata.size()));
  w->Bytes(store.embedding(slot), size_t{store.dimensions()} * sizeof(float));
  w->Bytes(p.id.data(), p.id.size());
  w->Bytes(p.metadata.data(), p.metadata.size());
}

int32_t PatternBytes(const ruv_patterns* h, int64_t slot, ruv_bytes** out) {
  auto bytes = std::make_unique<ruv_bytes>();
  if (slot >= 0) {
    const PatternInfo& p = h->store->info(static_cast<uint32_t>(slot));
    bytes->data.reserve(4 + 24 + size_t{h->store->dimensions()} * 4 + p.id.size() + p.metadata.size());
    ruv::ByteWriter w(&bytes->data);
    w.U32(h->store->dimensions());
    PutRecord(&w, *h->store, static_cast<uint32_t>(slot));
  }
  *out = bytes.release();
  return RUV_OK;
}

// An adapter from the caller's arrays (copied; validated by the core).
int32_t MakeAdapter(const char* fn, uint32_t dim, uint32_t rank, float alpha, const float* params, size_t n,
                    LoraWeights* out) {
  if (params == nullptr) return Fail(kInvalid, (std::string(fn) + ": null adapter params").c_str());
  return Report(fn, LoraWeights::FromParams(dim, rank, alpha, params, n, out));
}

// A Fisher from the caller's arrays: its values and the anchor adapter's params (both copied).
int32_t MakeFisher(const char* fn, uint32_t dim, uint32_t rank, float alpha, const float* anchor,
                   const float* values, size_t n, Fisher* out) {
  if (values == nullptr) return Fail(kInvalid, (std::string(fn) + ": null Fisher values").c_str());
  LoraWeights theta_star;
  if (int32_t st = MakeAdapter(fn, dim, rank, alpha, anchor, n, &theta_star); st != RUV_OK) return st;
  return Report(fn, Fisher::FromParts(std::move(theta_star), std::vector<float>(values, values + n), out));
}

LoraConfig ToConfig(const ruv_lora_config_t& c) {
  LoraConfig config;
  config.rank = c.rank;
  config.alpha = c.alpha;
  config.epochs = c.epochs;
  config.batch_size = c.batch_size;
  config.learning_rate = c.learning_rate;
  config.weight_decay = c.weight_decay;
  config.temperature = c.temperature;
  config.negative_margin = c.negative_margin;
  config.negative_weight = c.negative_weight;
  config.validation_split = c.validation_split;
  config.patience = c.patience;
  config.min_trajectories = c.min_trajectories;
  config.seed = c.seed;
  config.ewc.lambda = c.ewc_lambda;
  return config;
}

int32_t Trajectories(const char* fn, uint32_t dim, const float* queries, const float* targets,
                     const uint8_t* verdicts, const float* rewards, size_t count,
                     std::vector<Trajectory>* out) {
  if (count != 0 && (queries == nullptr || targets == nullptr || verdicts == nullptr || rewards == nullptr)) {
    return Fail(kInvalid, (std::string(fn) + ": null trajectory arrays").c_str());
  }
  out->clear();
  out->reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (verdicts[i] > 2) return Fail(kInvalid, (std::string(fn) + ": unknown verdict").c_str());
    out->push_back({queries + i * dim, targets + i * dim, static_cast<Verdict>(verdicts[i]), rewards[i]});
  }
  return RUV_OK;
}

}  // namespace

extern "C" {

int32_t ruv_patterns_create(uint32_t dim, uint32_t min_uses, double min_success_rate, ruv_patterns** out) {
  return Guard([&]() -> int32_t {
    if (out == nullptr) return Fail(kInvalid, "ruv_patterns_create: null output");
    auto h = std::make_unique<ruv_patterns>();
    if (int32_t st =
            Report("ruv_patterns_create", PatternStore::Create(dim, {min_uses, min_success_rate}, &h->store));
        st != RUV_OK) {
      return st;
    }
    *out = h.release();
    return RUV_OK;
  });
}

int32_t ruv_patterns_deserialize(const uint8_t* data, size_t size, ruv_patterns** out) {
  return Guard([&]() -> int32_t {
    if (out == nullptr) return Fail(kInvalid, "ruv_patterns_deserialize: null output");
    if (data == nullptr && size != 0) return Fail(kInvalid, "ruv_patterns_deserialize: null data");
    auto h = std::make_unique<ruv_patterns>();
    if (int32_t st = Report("ruv_patterns_deserialize", PatternStore::Deserialize(data, size, &h->store));
        st != RUV_OK) {
      return st;
    }
    *out = h.release();
    return RUV_OK;
  });
}

void ruv_patterns_free(ruv_patterns* h) { delete h; }

int32_t ruv_patterns_serialize(const ruv_patterns* h, ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    if (h == nullptr || out == nullptr) return Fail(kInvalid, "ruv_patterns_serialize: null argument");
    auto bytes = std::make_unique<ruv_bytes>();
    h->store->Serialize(&bytes->data);
    *out = bytes.release();
    return RUV_OK;
  });
}

int32_t ruv_patterns_size(const ruv_patterns* h, uint32_t* out) {
  return Guard([&]() -> int32_t {
    if (h == nullptr || out == nullptr) return Fail(kInvalid, "ruv_patterns_size: null argument");
    *out = static_cast<uint32_t>(h->store->size());
    return RUV_OK;
  });
}

int32_t ruv_patterns_set_hnsw_min(ruv_patterns* h, uint32_t n) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_patterns_set_hnsw_min: null store");
    h->store->set_hnsw_min(n);
    return RUV_OK;
  });
}

int32_t ruv_patterns_info(const ruv_patterns* h, uint32_t* out) {
  return Guard([&]() -> int32_t {
    if (h == nullptr || out == nullptr) return Fail(kInvalid, "ruv_patterns_info: null argument");
    out[0] = static_cast<uint32_t>(h->store->size());
    out[1] = h->store->hnsw_min();
    out[2] = h->store->has_index() ? 1 : 0;
    out[3] = static_cast<uint32_t>(h->store->active_count());
    return RUV_OK;
  });
}

int32_t ruv_patterns_add(ruv_patterns* h, const char* id, size_t id_len, int32_t type, const char* meta,
                         size_t meta_len, uint32_t usage, uint32_t success, const float* v, size_t dim) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_patterns_add";
    if (h == nullptr || v == nullptr) return Fail(kInvalid, "ruv_patterns_add: null argument");
    if (int32_t st = CheckString(kFn, "id", id, id_len); st != RUV_OK) return st;
    if (int32_t st = CheckString(kFn, "metadata", meta, meta_len); st != RUV_OK) return st;
    if (int32_t st = CheckStoreDim(kFn, h, dim); st != RUV_OK) return st;
    if (type < 0 || type >= static_cast<int32_t>(kPatternTypeCount)) {
      return Fail(kInvalid, "ruv_patterns_add: unknown pattern type");
    }
    PatternInfo info;
    info.id = View(id, id_len);
    info.type = static_cast<PatternType>(type);
    info.metadata = View(meta, meta_len);
    info.usage_count = usage;
    info.success_count = success;
    return Report(kFn, h->store->Add(info, v));
  });
}

int32_t ruv_patterns_remove(ruv_patterns* h, const char* id, size_t id_len, int32_t* removed) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_patterns_remove: null store");
    if (int32_t st = CheckString("ruv_patterns_remove", "id", id, id_len); st != RUV_OK) return st;
    const bool was = h->store->Remove(View(id, id_len));
    if (removed != nullptr) *removed = was ? 1 : 0;
    return RUV_OK;
  });
}

int32_t ruv_patterns_has(const ruv_patterns* h, const char* id, size_t id_len, int32_t* found) {
  return Guard([&]() -> int32_t {
    if (h == nullptr || found == nullptr) return Fail(kInvalid, "ruv_patterns_has: null argument");
    if (int32_t st = CheckString("ruv_patterns_has", "id", id, id_len); st != RUV_OK) return st;
    *found = h->store->Find(View(id, id_len)) >= 0 ? 1 : 0;
    return RUV_OK;
  });
}

int32_t ruv_patterns_record_outcome(ruv_patterns* h, const char* id, size_t id_len, int32_t success) {
  return Guard([&]() -> int32_t {
    if (h == nullptr) return Fail(kInvalid, "ruv_patterns_record_outcome: null store");
    if (int32_t st = CheckString("ruv_patterns_record_outcome", "id", id, id_len); st != RUV_OK) return st;
    return Report("ruv_patterns_record_outcome", h->store->RecordOutcome(View(id, id_len), success != 0));
  });
}

int32_t ruv_patterns_get(const ruv_patterns* h, const char* id, size_t id_len, ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    if (h == nullptr || out == nullptr) return Fail(kInvalid, "ruv_patterns_get: null argument");
    if (int32_t st = CheckString("ruv_patterns_get", "id", id, id_len); st != RUV_OK) return st;
    return PatternBytes(h, h->store->Find(View(id, id_len)), out);
  });
}

int32_t ruv_patterns_at(const ruv_patterns* h, uint32_t index, ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    if (h == nullptr || out == nullptr) return Fail(kInvalid, "ruv_patterns_at: null argument");
    if (index >= h->store->size()) return Fail(kInvalid, "ruv_patterns_at: index out of range");
    return PatternBytes(h, index, out);
  });
}

int32_t ruv_patterns_match(const ruv_patterns* h, const float* q, size_t dim, float threshold, uint32_t limit,
                           uint32_t type_mask, uint32_t adapter_rank, float adapter_alpha,
                           const float* adapter_params, size_t n_params, ruv_bytes** out) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_patterns_match";
    if (h == nullptr || q == nullptr || out == nullptr)
      return Fail(kInvalid, "ruv_patterns_match: null argument");
    if (int32_t st = CheckStoreDim(kFn, h, dim); st != RUV_OK) return st;
    MatchOptions options;
    options.threshold = threshold;
    options.limit = limit;
    options.type_mask = type_mask;
    LoraWeights adapter;
    if (adapter_params != nullptr) {
      if (int32_t st = MakeAdapter(kFn, static_cast<uint32_t>(dim), adapter_rank, adapter_alpha,
                                   adapter_params, n_params, &adapter);
          st != RUV_OK) {
        return st;
      }
      options.adapter = &adapter;
    }
    std::vector<PatternMatch> matches;
    if (int32_t st = Report(kFn, h->store->Match(q, options, &matches)); st != RUV_OK) return st;
    auto bytes = std::make_unique<ruv_bytes>();
    ruv::ByteWriter w(&bytes->data);
    w.U32(static_cast<uint32_t>(matches.size()));
    w.U32(h->store->dimensions());
    for (const PatternMatch& m : matches) {
      w.F32(m.score);
      w.F32(m.raw_similarity);
      PutRecord(&w, *h->store, m.slot);
    }
    *out = bytes.release();
    return RUV_OK;
  });
}

int32_t ruv_lora_init(uint32_t dim, uint32_t rank, float alpha, uint64_t seed, float* out, size_t n_params) {
  return Guard([&]() -> int32_t {
    if (out == nullptr) return Fail(kInvalid, "ruv_lora_init: null output");
    LoraWeights w;
    if (int32_t st = Report("ruv_lora_init", LoraWeights::Create(dim, rank, alpha, seed, &w)); st != RUV_OK)
      return st;
    if (w.params().size() != n_params)
      return Fail(kMismatch, "ruv_lora_init: n_params is not 2 * rank * dim");
    std::copy(w.params().begin(), w.params().end(), out);
    return RUV_OK;
  });
}

int32_t ruv_lora_apply(uint32_t dim, uint32_t rank, float alpha, const float* params, size_t n_params,
                       const float* x, size_t count, float* out) {
  return Guard([&]() -> int32_t {
    if ((x == nullptr || out == nullptr) && count != 0)
      return Fail(kInvalid, "ruv_lora_apply: null argument");
    LoraWeights w;
    if (int32_t st = MakeAdapter("ruv_lora_apply", dim, rank, alpha, params, n_params, &w); st != RUV_OK)
      return st;
    if (count != 0 && !ruv::AllFinite(x, count * dim)) {
      return Fail(ruv::ErrorCode::kNonFinite, "ruv_lora_apply: the input holds NaN or Infinity");
    }
    w.Apply(x, count, out);
    return RUV_OK;
  });
}

int32_t ruv_lora_train_start(uint32_t dim, const float* queries, const float* targets,
                             const uint8_t* verdicts, const float* rewards, size_t count,
                             const ruv_lora_config_t* config, const float* initial,
                             const float* fisher_values, const float* fisher_anchor, size_t n_params,
                             ruv_lora_trainer** out) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_lora_train_start";
    if (config == nullptr || out == nullptr) return Fail(kInvalid, "ruv_lora_train_start: null argument");
    if ((fisher_values == nullptr) != (fisher_anchor == nullptr)) {
      return Fail(kInvalid, "ruv_lora_train_start: a Fisher needs both its values and its anchor");
    }
    LoraConfig c = ToConfig(*config);
    std::vector<Trajectory> trajs;
    if (int32_t st = Trajectories(kFn, dim, queries, targets, verdicts, rewards, count, &trajs); st != RUV_OK)
      return st;
    LoraWeights start;
    if (initial != nullptr) {
      if (int32_t st = MakeAdapter(kFn, dim, c.rank, c.alpha, initial, n_params, &start); st != RUV_OK)
        return st;
      c.initial = &start;
    }
    Fisher fisher;
    if (fisher_values != nullptr) {
      if (int32_t st = MakeFisher(kFn, dim, c.rank, c.alpha, fisher_anchor, fisher_values, n_params, &fisher);
          st != RUV_OK)
        return st;
      c.ewc.fisher = &fisher;
    }
    auto t = std::make_unique<ruv_lora_trainer>();
    if (int32_t st = Report(kFn, t->trainer.Start(trajs.data(), trajs.size(), dim, c)); st != RUV_OK)
      return st;
    t->n_params = size_t{2} * c.rank * dim;
    *out = t.release();
    return RUV_OK;
  });
}

int32_t ruv_lora_train_step(ruv_lora_trainer* t, uint32_t epochs, ruv_lora_report_t* report) {
  return Guard([&]() -> int32_t {
    if (t == nullptr) return Fail(kInvalid, "ruv_lora_train_step: null trainer");
    const int32_t st = Report("ruv_lora_train_step", t->trainer.Step(epochs));
    if (report != nullptr) {
      const TrainReport& r = t->trainer.report();
      *report = {r.epochs_run, t->trainer.done() ? 1u : 0u, r.final_train_loss, r.best_validation_loss};
    }
    return st;
  });
}

int32_t ruv_lora_train_finish(ruv_lora_trainer* t, float* out, size_t n_params) {
  return Guard([&]() -> int32_t {
    if (t == nullptr || out == nullptr) return Fail(kInvalid, "ruv_lora_train_finish: null argument");
    if (n_params != t->n_params)
      return Fail(kMismatch, "ruv_lora_train_finish: n_params is not 2 * rank * dim");
    LoraWeights w;
    t->trainer.Finish(&w);
    if (w.params().size() != n_params)
      return Fail(kInvalid, "ruv_lora_train_finish: training already finished");
    std::copy(w.params().begin(), w.params().end(), out);
    return RUV_OK;
  });
}

void ruv_lora_trainer_free(ruv_lora_trainer* t) { delete t; }

int32_t ruv_fisher_start(uint32_t dim, uint32_t rank, float alpha, const float* params, size_t n_params,
                         const float* queries, const float* targets, const uint8_t* verdicts,
                         const float* rewards, size_t count, const ruv_lora_config_t* config,
                         ruv_fisher_job** out) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_fisher_start";
    if (config == nullptr || out == nullptr) return Fail(kInvalid, "ruv_fisher_start: null argument");
    LoraWeights w;
    if (int32_t st = MakeAdapter(kFn, dim, rank, alpha, params, n_params, &w); st != RUV_OK) return st;
    std::vector<Trajectory> trajs;
    if (int32_t st = Trajectories(kFn, dim, queries, targets, verdicts, rewards, count, &trajs); st != RUV_OK)
      return st;
    auto job = std::make_unique<ruv_fisher_job>();
    if (int32_t st = Report(kFn, job->computer.Start(w, trajs.data(), trajs.size(), ToConfig(*config)));
        st != RUV_OK) {
      return st;
    }
    job->n_params = n_params;
    *out = job.release();
    return RUV_OK;
  });
}

int32_t ruv_fisher_step(ruv_fisher_job* job, uint32_t batches, int32_t* done) {
  return Guard([&]() -> int32_t {
    if (job == nullptr) return Fail(kInvalid, "ruv_fisher_step: null job");
    const int32_t st = Report("ruv_fisher_step", job->computer.Step(batches));
    if (done != nullptr) *done = job->computer.done() ? 1 : 0;
    return st;
  });
}

int32_t ruv_fisher_finish(ruv_fisher_job* job, float* out, size_t n_params) {
  return Guard([&]() -> int32_t {
    if (job == nullptr || out == nullptr) return Fail(kInvalid, "ruv_fisher_finish: null argument");
    if (n_params != job->n_params)
      return Fail(kMismatch, "ruv_fisher_finish: n_params is not 2 * rank * dim");
    if (!job->computer.done())
      return Fail(kInvalid, "ruv_fisher_finish: steps remain (call ruv_fisher_step)");
    Fisher f;
    job->computer.Finish(&f);
    if (f.values().size() != n_params) return Fail(kInvalid, "ruv_fisher_finish: already finished");
    std::copy(f.values().begin(), f.values().end(), out);
    return RUV_OK;
  });
}

void ruv_fisher_job_free(ruv_fisher_job* job) { delete job; }

int32_t ruv_fisher_merge(uint32_t dim, uint32_t rank, float alpha, const float* older, const float* newer,
                         const float* newer_anchor, size_t n_params, float gamma, float* out) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_fisher_merge";
    if (older == nullptr || newer == nullptr || out == nullptr)
      return Fail(kInvalid, "ruv_fisher_merge: null argument");
    // Both at the newer anchor: online EWC anchors at the latest solution.
    Fisher a, b, merged;
    if (int32_t st = MakeFisher(kFn, dim, rank, alpha, newer_anchor, older, n_params, &a); st != RUV_OK)
      return st;
    if (int32_t st = MakeFisher(kFn, dim, rank, alpha, newer_anchor, newer, n_params, &b); st != RUV_OK)
      return st;
    if (int32_t st = Report(kFn, MergeFisher(a, b, gamma, &merged)); st != RUV_OK) return st;
    std::copy(merged.values().begin(), merged.values().end(), out);
    return RUV_OK;
  });
}

int32_t ruv_ewc_apply(uint32_t dim, uint32_t rank, float alpha, const float* params, const float* anchor,
                      const float* fisher, size_t n_params, float lambda, float* out) {
  return Guard([&]() -> int32_t {
    constexpr const char* kFn = "ruv_ewc_apply";
    if (fisher == nullptr || out == nullptr) return Fail(kInvalid, "ruv_ewc_apply: null argument");
    LoraWeights theta, result;
    if (int32_t st = MakeAdapter(kFn, dim, rank, alpha, params, n_params, &theta); st != RUV_OK) return st;
    Fisher f;
    if (int32_t st = MakeFisher(kFn, dim, rank, alpha, anchor, fisher, n_params, &f); st != RUV_OK) return st;
    if (int32_t st = Report(kFn, ApplyEwc(theta, f, lambda, &result)); st != RUV_OK) return st;
    std::copy(result.params().begin(), result.params().end(), out);
    return RUV_OK;
  });
}

}  // extern "C"

static_assert(sizeof(ruv_lora_config_t) == RUV_LORA_CONFIG_BYTES, "js/src/learning/codec.ts writes 64 bytes");
static_assert(sizeof(ruv_lora_report_t) == 16, "js/src/learning/codec.ts reads 16 bytes");
static_assert(RUV_PATTERNS_HNSW_MIN == ruv::learn::PatternStore::kDefaultHnswMin, "one default");
