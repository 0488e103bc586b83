#include "embed/encoder/bert_encoder.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "embed/encoder/kernels.h"
#include "embed/model/bert_tensors.h"

namespace ruv::embed {
namespace {

Status LoadFailed(const std::string& what) {
  return Status(ErrorCode::kModelLoadFailed, "BERT encoder: " + what);
}

Status Invalid(const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, "BERT encoder: " + what);
}

// A weight's values to keep as they are (biases, norms, the small embedding tables): held ones
// moved, viewed ones decoded.
std::vector<float> Take(Weight* w) {
  std::vector<float> v = w->is_view() ? w->Values() : std::vector<float>(std::move(*w));
  w->Release();
  return v;
}

// Grows a scratch buffer, never shrinks it: a warm scratch is never reallocated.
float* Reserve(std::vector<float>* v, size_t n) {
  if (v->size() < n) v->resize(n);
  return v->data();
}

// The encoder's own guard against out-of-bounds reads when it is handed weights directly; the
// loaders' CheckBertWeights gives the file-level diagnosis first.
Status CheckSizes(const BertConfig& c, const BertWeights& w) {
  const size_t h = c.hidden_size, i = c.intermediate_size;
  auto is = [](const Weight& v, size_t n) { return v.count() == n; };
  if (!is(w.word_embeddings, size_t(c.vocab_size) * h) ||
      !is(w.position_embeddings, size_t(c.max_position_embeddings) * h) ||
      !is(w.token_type_embeddings, size_t(c.type_vocab_size) * h) || !is(w.emb_ln_gamma, h) ||
      !is(w.emb_ln_beta, h))
    return LoadFailed("embedding tensor sizes disagree with the config");
  if (w.layers.size() != size_t(c.num_layers)) return LoadFailed("layer count disagrees with the config");
  for (const BertLayerWeights& l : w.layers) {
    if (!is(l.q_w, h * h) || !is(l.k_w, h * h) || !is(l.v_w, h * h) || !is(l.q_b, h) || !is(l.k_b, h) ||
        !is(l.v_b, h) || !is(l.attn_out_w, h * h) || !is(l.attn_out_b, h) || !is(l.attn_ln_gamma, h) ||
        !is(l.attn_ln_beta, h) || !is(l.inter_w, i * h) || !is(l.inter_b, i) || !is(l.out_w, h * i) ||
        !is(l.out_b, h) || !is(l.out_ln_gamma, h) || !is(l.out_ln_beta, h))
      return LoadFailed("layer tensor sizes disagree with the config");
  }
  return Status::Ok();
}

}  // namespace

// Packs or quantizes a Linear weight W [n, k] whose rows `read` gives (RowReader) into a new
// array or `in_place` (W's own bytes, written only once all of W is read). int8 into a new array
// reads W a panel at a time, holding no copy of W; int8 in place quantizes W's rows a panel at a
// time into one int8 copy, then packs it; float32 passes through one float32 copy.
BertEncoder::Linear BertEncoder::Prepare(size_t n, size_t k, const RowReader& read, PackBuffers* buffers,
                                         void* in_place) const {
  Linear lin;
  lin.n = n;
  lin.k = k;
  if (dtype_ == Dtype::kQ8 && in_place == nullptr) {
    lin.q8 = kernels::QuantizeWeightsByPanel(n, k, read);
    return lin;
  }
  if (dtype_ == Dtype::kQ8) {
    const size_t width = kernels::GemmQ8PanelWidth();
    if (buffers->floats.size() < width * k) buffers->floats.resize(width * k);
    if (buffers->q8.size() < n * k) buffers->q8.resize(n * k);
    if (buffers->scales.size() < n) buffers->scales.resize(n);
    for (size_t first = 0; first < n; first += width) {
      const size_t rows = std::min(width, n - first);
      read(first, rows, buffers->floats.data());
      kernels::QuantizeWeightRows(buffers->floats.data(), rows, k, buffers->q8.data() + first * k,
                                  buffers->scales.data() + first);
    }
    lin.q8 = kernels::PackWeightsQ8(buffers->q8.data(), buffers->scales.data(), n, k,
                                    static_cast<int8_t*>(in_place));
    return lin;
  }
  if (buffers->floats.size() < n * k) buffers->floats.resize(n * k);
  read(0, n, buffers->floats.data());
  if (in_place == nullptr) {
    lin.f32_held = AllocateAligned<float>(kernels::PackedWeightSize(n, k));
    in_place = lin.f32_held.get();
  }
  kernels::PackWeights(buffers->floats.data(), n, k, static_cast<float*>(in_place));
  lin.f32 = static_cast<const float*>(in_place);
  return lin;
}

size_t BertEncoder::Linear::BytesInFile() const {
  if (f32 != nullptr) return f32_held == nullptr ? kernels::PackedWeightSize(n, k) * sizeof(float) : 0;
  return q8.packed != nullptr && q8.held == nullptr ? kernels::Q8PackedBytes(n, k) : 0;
}

// The same for a tensor, which is then released (a loaded model holds its weights once).
BertEncoder::Linear BertEncoder::Prepare(Weight* w, size_t n, size_t k, PackBuffers* buffers,
                                         float scale) const {
  void* dst = dtype_ == Dtype::kFp32
                  ? InPlace(*w, kernels::PackedWeightSize(n, k) * sizeof(float), alignof(float))
                  : InPlace(*w, kernels::Q8PackedBytes(n, k), 1);
  Linear lin = Prepare(
      n, k,
      [w, k, scale](size_t first, size_t count, float* out) {
        w->Read(first * k, count * k, out);
        if (scale != 1.0f)
          for (size_t e = 0; e < count * k; ++e) out[e] *= scale;
      },
      buffers, dst);
  w->Release();
  return lin;
}

uint8_t* BertEncoder::InPlace(const Weight& w, size_t bytes, size_t alignment) const {
  const WeightBytes* b = w.view_bytes();
  if (!in_place_ || b == nullptr) return nullptr;
  // Only where the packed form fills most of the view (float32 from float32, int8 from int8): a
  // smaller one would keep a file alive that it mostly leaves unused (q8 from a float32 file
  // lets the file go instead).
  const size_t view = b->rows * b->cols * ElementBytes(b->type);
  if (bytes > view || 2 * bytes < view) return nullptr;
  // Down to the wanted boundary, into the tensor's own bytes before its data when there are enough.
  const size_t shift = reinterpret_cast<uintptr_t>(b->data) % alignment;
  if (shift > b->own_bytes_before) return nullptr;
  // Create's `file` lets the encoder write these bytes: they are the caller's, handed over.
  return const_cast<uint8_t*>(b->data - shift);
}

namespace {

// Whether no two views share a byte (values, per-column scales or zero points): then writing one
// in place cannot change what another reads. A crafted ONNX graph can name one initializer twice.
bool ViewsAreDisjoint(const BertConfig& config, BertWeights* w) {
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  auto add = [&](const uint8_t* p, size_t bytes) {
    if (p != nullptr && bytes > 0)
      ranges.emplace_back(reinterpret_cast<uintptr_t>(p), reinterpret_cast<uintptr_t>(p) + bytes);
  };
  for (const BertTensorSlot& slot : BertTensorSlots(config, w)) {
    const WeightBytes* b = slot.dst->view_bytes();
    if (b == nullptr) continue;
    const size_t size = ElementBytes(b->type);
    add(b->data - b->own_bytes_before, b->own_bytes_before + b->rows * b->cols * size);
    add(b->column_scales, b->cols * 4);
    add(b->column_zero_points, b->cols * size);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) return false;
  return true;
}

}  // namespace

Status BertEncoder::Create(const BertConfig& config, BertWeights&& weights, std::unique_ptr<BertEncoder>* out,
                           Dtype dtype, ThreadPool* pool, std::shared_ptr<void> file) {
  if (out == nullptr) return Invalid("null output");
  if (config.hidden_size <= 0 || config.num_heads <= 0 || config.hidden_size % config.num_heads != 0)
    return LoadFailed("hidden_size must be a positive multiple of num_attention_heads");
  if (config.vocab_size <= 0 || config.num_layers < 0 || config.intermediate_size <= 0 ||
      config.max_position_embeddings <= 0 || config.type_vocab_size <= 0 || !(config.layer_norm_eps >= 0.0f))
    return LoadFailed("config sizes must be positive");
  if (config.hidden_act != HiddenAct::kGelu && config.hidden_act != HiddenAct::kGeluNew &&
      config.hidden_act != HiddenAct::kRelu)
    return LoadFailed("unknown hidden_act");
  Status sizes = CheckSizes(config, weights);
  if (!sizes.ok()) return sizes;

  if (dtype != Dtype::kFp32 && dtype != Dtype::kQ8) return Invalid("unknown dtype");

  std::unique_ptr<BertEncoder> enc(new BertEncoder());
  enc->config_ = config;
  enc->dtype_ = dtype;
  enc->in_place_ = file != nullptr && ViewsAreDisjoint(config, &weights);
  enc->file_ = std::move(file);
  BertEncoder& e = *enc;
  const size_t h = config.hidden_size, inter = config.intermediate_size;
  // Task 0: the embeddings; task 1 + i: layer i. Each reads and releases only its own tensors,
  // so the tasks run on the pool's threads side by side (a load packs 6 layers of MiniLM).
  auto embeddings = [&] {
    if (dtype == Dtype::kQ8) {
      // Per row, symmetric 8 bits: a token's vector is looked up once per text, so its rounding
      // (<= 0.4% of the row's largest value) is all the error it adds.
      // Read in blocks of rows, so a viewed table is never decoded whole beside its int8 copy.
      // An int8 or uint8 table not transposed is quantized into its own bytes: block r's rows
      // are read whole before they are written, over bytes no later block reads.
      const size_t rows = config.vocab_size;
      const WeightBytes* b = weights.word_embeddings.view_bytes();
      int8_t* table = reinterpret_cast<int8_t*>(e.InPlace(weights.word_embeddings, rows * h, 1));
      if (table == nullptr || b->transposed) {
        e.word_embeddings_q8_.resize(rows * h);
        table = e.word_embeddings_q8_.data();
      }
      e.word_table_q8_ = table;
      e.word_scales_.resize(rows);
      constexpr size_t kBlock = 1024;
      std::vector<float> block(std::min(rows, kBlock) * h);
      for (size_t r = 0; r < rows; r += kBlock) {
        const size_t n = std::min(kBlock, rows - r);
        weights.word_embeddings.Read(r * h, n * h, block.data());
        kernels::QuantizeSymmetricRows(block.data(), n, h, 127, table + r * h, e.word_scales_.data() + r);
      }
      weights.word_embeddings.Release();
    } else {
      // The table is used as it is: where it lies in the file when it may stay there.
      const WeightBytes* b = weights.word_embeddings.view_bytes();
      const size_t count = weights.word_embeddings.count();
      float* table =
          reinterpret_cast<float*>(e.InPlace(weights.word_embeddings, count * sizeof(float), alignof(float)));
      if (table != nullptr && !b->transposed) {
        // (Moved down to a float's boundary when the file did not give it one.)
        if (reinterpret_cast<const uint8_t*>(table) != b->data)
          std::memmove(table, b->data, count * sizeof(float));
        e.word_table_ = table;
        weights.word_embeddings.Release();
      } else {
        e.word_embeddings_ = Take(&weights.word_embeddings);
        e.word_table_ = e.word_embeddings_.data();
      }
    }
    e.position_embeddings_ = Take(&weights.position_embeddings);
    e.token_type_embeddings_ = Take(&weights.token_type_embeddings);
    e.emb_ln_gamma_ = Take(&weights.emb_ln_gamma);
    e.emb_ln_beta_ = Take(&weights.emb_ln_beta);
  };
  const size_t head_dim = h / config.num_heads;  // divisible: ParseBertConfig / Create check it
  const float q_scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  // Per thread, as large as the largest weight needs from the start (Prepare).
  std::vector<PackBuffers> buffers(pool == nullptr ? 1 : pool->size());
  auto layer = [&](BertLayerWeights& l, PackedLayer& p, PackBuffers* temp) {
    const size_t largest = std::max(h, inter) * h;
    if (dtype == Dtype::kFp32) {
      temp->floats.reserve(largest);
    } else if (e.in_place_) {
      temp->floats.reserve(kernels::GemmQ8PanelWidth() * std::max(h, inter));
      temp->q8.reserve(largest);
      temp->scales.reserve(std::max(h, inter));
    }
    // Wq (pre-scaled), Wk and Wv: each token's q | k | v side by side in its qkv row.
    Weight* parts[3] = {&l.q_w, &l.k_w, &l.v_w};
    for (size_t part = 0; part < 3; ++part)
      p.qkv_parts[part] = e.Prepare(parts[part], h, h, temp, part == 0 ? q_scale : 1.0f);
    p.qkv_b.resize(3 * h);
    l.q_b.Read(0, h, p.qkv_b.data());
    l.k_b.Read(0, h, p.qkv_b.data() + h);
    l.v_b.Read(0, h, p.qkv_b.data() + 2 * h);
    for (size_t i = 0; i < h; ++i) p.qkv_b[i] *= q_scale;
    for (Weight* v : {&l.q_w, &l.k_w, &l.v_w, &l.q_b, &l.k_b, &l.v_b}) v->Release();
    p.attn_out_w = e.Prepare(&l.attn_out_w, h, h, temp);
    p.inter_w = e.Prepare(&l.inter_w, inter, h, temp);
    p.out_w = e.Prepare(&l.out_w, h, inter, temp);
    p.attn_out_b = Take(&l.attn_out_b);
    p.attn_ln_gamma = Take(&l.attn_ln_gamma);
    p.attn_ln_beta = Take(&l.attn_ln_beta);
    p.inter_b = Take(&l.inter_b);
    p.out_b = Take(&l.out_b);
    p.out_ln_gamma = Take(&l.out_ln_gamma);
    p.out_ln_beta = Take(&l.out_ln_beta);
  };
  enc->layers_.resize(weights.layers.size());
  // A task cannot throw out of ParallelFor: the first failure (an allocation) is kept and
  // rethrown here, where the C ABI's guard turns it into OUT_OF_MEMORY.
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex failure_mu;
  auto task = [&](size_t t, unsigned thread) {
    if (failed.load(std::memory_order_relaxed)) return;
    try {
      if (t == 0) {
        embeddings();
      } else {
        layer(weights.layers[t - 1], e.layers_[t - 1], &buffers[thread]);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mu);
      if (!failed.exchange(true)) failure = std::current_exception();
    }
  };
  const size_t tasks = 1 + weights.layers.size();
  if (pool == nullptr) {
    for (size_t t = 0; t < tasks; ++t) task(t, 0);
  } else {
    pool->ParallelFor(tasks, task);
  }
  if (failure) std::rethrow_exception(failure);
  weights.layers.clear();
  if (e.word_table_ != nullptr && e.word_embeddings_.empty())
    e.in_file_bytes_ += size_t(config.vocab_size) * h * sizeof(float);
  if (e.word_table_q8_ != nullptr && e.word_embeddings_q8_.empty())
    e.in_file_bytes_ += size_t(config.vocab_size) * h;
  for (const PackedLayer& l : e.layers_)
    for (const Linear* w :
         {&l.qkv_parts[0], &l.qkv_parts[1], &l.qkv_parts[2], &l.attn_out_w, &l.inter_w, &l.out_w})
      e.in_file_bytes_ += w->BytesInFile();
  if (e.in_file_bytes_ == 0) e.file_.reset();  // nothing lies in it: its owner may free it now
  *out = std::move(enc);
  return Status::Ok();
}

Status BertEncoder::CheckArguments(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                                   std::span<const uint32_t> seq_lengths, size_t* longest) const {
  if (ids.size() != type_ids.size()) return Invalid("ids and type_ids differ in length");
  size_t total = 0;
  *longest = 0;
  for (uint32_t len : seq_lengths) {
    if (len == 0) return Invalid("empty sequence");
    if (len > static_cast<uint32_t>(config_.max_position_embeddings))
      return Invalid("sequence of " + std::to_string(len) + " tokens exceeds max_position_embeddings " +
                     std::to_string(config_.max_position_embeddings));
    total += len;  // each term <= max_position_embeddings: no overflow for any real span
    if (len > *longest) *longest = len;
  }
  if (total != ids.size()) return Invalid("sequence lengths do not add up to the number of ids");
  for (size_t t = 0; t < ids.size(); ++t) {
    if (ids[t] < 0 || ids[t] >= config_.vocab_size)
      return Invalid("token id " + std::to_string(ids[t]) + " out of range [0, " +
                     std::to_string(config_.vocab_size) + ")");
    if (type_ids[t] < 0 || type_ids[t] >= config_.type_vocab_size)
      return Invalid("token type id " + std::to_string(type_ids[t]) + " out of range");
  }
  return Status::Ok();
}

void BertEncoder::Embed(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                        std::span<const uint32_t> seq_lengths, float* hidden) const {
  const size_t h = config_.hidden_size;
  size_t t = 0;
  for (uint32_t len : seq_lengths) {
    for (size_t pos = 0; pos < len; ++pos, ++t) {
      const size_t id = static_cast<size_t>(ids[t]);
      const float* position = position_embeddings_.data() + pos * h;
      const float* type = token_type_embeddings_.data() + static_cast<size_t>(type_ids[t]) * h;
      float* row = hidden + t * h;
      if (dtype_ == Dtype::kQ8) {
        const int8_t* word = word_table_q8_ + id * h;
        const float scale = word_scales_[id];
        for (size_t j = 0; j < h; ++j) row[j] = static_cast<float>(word[j]) * scale + position[j] + type[j];
      } else {
        const float* word = word_table_ + id * h;
        for (size_t j = 0; j < h; ++j) row[j] = word[j] + position[j] + type[j];
      }
    }
  }
  kernels::LayerNorm(hidden, t, h, emb_ln_gamma_.data(), emb_ln_beta_.data(), config_.layer_norm_eps);
}

namespace {

// fn(begin, end) over rows [0, rows) of `cols` values each, split into one contiguous range per
// thread of the pool when there is enough work (a row's result never depends on the split).
template <typename Fn>
void ForRows(ThreadPool* pool, size_t rows, size_t cols, Fn&& fn) {
  // Below ~32k values (16 tokens' GELU) the hand-over costs about what the split saves.
  constexpr size_t kMinValues = 32768;
  const size_t parts = pool == nullptr || rows * cols < kMinValues ? 1 : std::min<size_t>(pool->size(), rows);
  if (parts <= 1) return fn(size_t{0}, rows);
  pool->ParallelFor(parts,
                    [&](size_t part, unsigned) { fn(part * rows / parts, (part + 1) * rows / parts); });
}

// fn(begin, end) over `panels` panels, one contiguous range per thread of the pool.
template <typename Fn>
void ForPanels(ThreadPool* pool, size_t panels, Fn&& fn) {
  const size_t parts = pool == nullptr ? 1 : std::min<size_t>(pool->size(), panels);
  if (parts <= 1) return fn(size_t{0}, panels);
  pool->ParallelFor(parts,
                    [&](size_t part, unsigned) { fn(part * panels / parts, (part + 1) * panels / parts); });
}

}  // namespace

// c = a x W^T + bias, W's panels split across the pool. q8 quantizes a's rows first (split by
// rows), into the run's rows of the scratch.
void BertEncoder::MultiplyLinear(const Linear& w, const float* a, size_t m, const float* bias, float* c,
                                 const RunBuffers& b, ThreadPool* pool) const {
  if (dtype_ == Dtype::kFp32) {
    ForPanels(pool, kernels::GemmPanelCount(w.n), [&](size_t begin, size_t end) {
      kernels::GemmPanels(a, m, w.k, w.f32, w.n, bias, c, begin, end);
    });
    return;
  }
  QuantizeInput(a, m, w.k, b, pool);
  ForPanels(pool, kernels::GemmQ8PanelCount(w.n), [&](size_t begin, size_t end) {
    kernels::GemmQ8Panels(b.quantized, b.row_scales, b.row_zeros, m, w.q8, bias, c, begin, end);
  });
}

// q8: a's rows [m, k] quantized into the run's rows of the scratch, split by rows.
void BertEncoder::QuantizeInput(const float* a, size_t m, size_t k, const RunBuffers& b,
                                ThreadPool* pool) const {
  const size_t row_bytes = kernels::Q8RowBytes(k);
  ForRows(pool, m, k, [&](size_t begin, size_t end) {
    kernels::QuantizeRows(a + begin * k, end - begin, k, b.quantized + begin * row_bytes,
                          b.row_scales + begin, b.row_zeros + begin);
  });
}

void BertEncoder::MultiplyQkv(const PackedLayer& layer, const float* a, size_t m, float* qkv,
                              const RunBuffers& b, ThreadPool* pool) const {
  // The three weights' panels as one range, split across the pool as a fused weight's would be;
  // each column is computed as in a fused weight (same panels, same tiles): the same bits.
  const size_t h = config_.hidden_size;
  const bool q8 = dtype_ == Dtype::kQ8;
  const size_t panels = q8 ? kernels::GemmQ8PanelCount(h) : kernels::GemmPanelCount(h);
  if (q8) QuantizeInput(a, m, h, b, pool);  // once for the three
  ForPanels(pool, 3 * panels, [&](size_t begin, size_t end) {
    for (size_t part = 0; part < 3; ++part) {
      const size_t lo = std::max(begin, part * panels), hi = std::min(end, (part + 1) * panels);
      if (lo >= hi) continue;
      const Linear& w = layer.qkv_parts[part];
      const float* bias = layer.qkv_b.data() + part * h;
      if (q8) {
        kernels::GemmQ8Panels(b.quantized, b.row_scales, b.row_zeros, m, w.q8, bias, qkv + part * h,
                              lo - part * panels, hi - part * panels, 3 * h);
      } else {
        kernels::GemmPanels(a, m, h, w.f32, h, bias, qkv + part * h, lo - part * panels, hi - part * panels,
                            3 * h);
      }
    }
  });
}

size_t BertEncoder::weight_bytes() const {
  auto floats = [](const std::vector<float>& v) { return v.size() * sizeof(float); };
  auto linear = [](const Linear& w) {
    return w.f32 ? kernels::PackedWeightSize(w.n, w.k) * sizeof(float) : kernels::Q8WeightBytes(w.q8);
  };
  const size_t word_table = dtype_ == Dtype::kFp32 ? size_t(config_.vocab_size) * config_.hidden_size * 4 : 0;
  const size_t word_table_q8 =
      word_table_q8_ != nullptr ? size_t(config_.vocab_size) * config_.hidden_size : 0;
  size_t bytes = word_table + word_table_q8 + floats(word_scales_) + floats(position_embeddings_) +
                 floats(token_type_embeddings_) + floats(emb_ln_gamma_) + floats(emb_ln_beta_);
  for (const PackedLayer& l : layers_) {
    bytes += linear(l.qkv_parts[0]) + linear(l.qkv_parts[1]) + linear(l.qkv_parts[2]) + linear(l.attn_out_w) +
             linear(l.inter_w) + linear(l.out_w);
    for (const auto* v : {&l.qkv_b, &l.attn_out_b, &l.attn_ln_gamma, &l.attn_ln_beta, &l.inter_b, &l.out_b,
                          &l.out_ln_gamma, &l.out_ln_beta})
      bytes += floats(*v);
  }
  return bytes;
}

// Every GEMM runs on all the batch's tokens at once (packed rows); only attention is per
// sequence. The row-wise steps (bias + activation, bias + residual + LayerNorm) split by rows.
void BertEncoder::RunLayer(const PackedLayer& layer, std::span<const uint32_t> seq_lengths, size_t tokens,
                           float* hidden, const RunBuffers& b, ThreadPool* pool) const {
  const size_t h = config_.hidden_size, inter = config_.intermediate_size, heads = config_.num_heads;
  const float eps = config_.layer_norm_eps;
  float* qkv = b.qkv;
  float* context = b.context;
  float* projected = b.projected;
  float* intermediate = b.intermediate;

  MultiplyQkv(layer, hidden, tokens, qkv, b, pool);
  // Attention: one task per sequence and range of heads (as many ranges as threads, so a single
  // long sequence is split too), each thread with its own scratch.
  const size_t parts = pool == nullptr ? 1 : std::min<size_t>(pool->size(), heads);
  auto attend = [&](size_t task, unsigned thread) {
    const size_t seq = task / parts, part = task % parts, start = b.starts[seq];
    kernels::AttentionHeads(qkv + start * 3 * h, seq_lengths[seq], h, heads, part * heads / parts,
                            (part + 1) * heads / parts, b.scores + thread * b.scores_per_thread,
                            context + start * h);
  };
  if (pool == nullptr) {
    for (size_t task = 0; task < seq_lengths.size(); ++task) attend(task, 0);
  } else {
    pool->ParallelFor(seq_lengths.size() * parts, attend);
  }
  // projected + bias + hidden, normalized, into hidden.
  auto add_norm = [&](const float* bias, const float* gamma, const float* beta) {
    ForRows(pool, tokens, h, [&](size_t begin, size_t end) {
      kernels::BiasResidualLayerNorm(projected + begin * h, bias, hidden + begin * h, end - begin, h, gamma,
                                     beta, eps);
    });
  };
  MultiplyLinear(layer.attn_out_w, context, tokens, nullptr, projected, b, pool);
  add_norm(layer.attn_out_b.data(), layer.attn_ln_gamma.data(), layer.attn_ln_beta.data());
  MultiplyLinear(layer.inter_w, hidden, tokens, nullptr, intermediate, b, pool);
  ForRows(pool, tokens, inter, [&](size_t begin, size_t end) {
    kernels::BiasActivation(intermediate + begin * inter, end - begin, inter, layer.inter_b.data(),
                            config_.hidden_act);
  });
  MultiplyLinear(layer.out_w, intermediate, tokens, nullptr, projected, b, pool);
  add_norm(layer.out_b.data(), layer.out_ln_gamma.data(), layer.out_ln_beta.data());
}

void BertEncoder::SequenceGroups(std::span<const uint32_t> seq_lengths, size_t tokens, size_t parts,
                                 std::vector<size_t>* firsts) {
  firsts->clear();
  const size_t n = seq_lengths.size();
  if (parts < 2 || n < parts) return;
  // Run g ends at the sequence boundary nearest g * tokens / parts, at least one sequence per run:
  // `next` is the first boundary at or past the target (the targets only grow), `before` the
  // tokens before it.
  firsts->push_back(0);
  size_t next = 0, before = 0;
  for (size_t g = 1; g < parts; ++g) {
    const size_t target = g * tokens / parts;
    while (next < n && before < target) before += seq_lengths[next++];
    size_t i = next;
    if (i > 0 && target - (before - seq_lengths[i - 1]) < before - target) --i;
    firsts->push_back(std::clamp(i, firsts->back() + 1, n - (parts - g)));
  }
  firsts->push_back(n);
  // Within 25% of an even share: past that the longest run costs more than the waits it saves.
  for (size_t g = 0; g < parts; ++g) {
    size_t run = 0;
    for (size_t seq = (*firsts)[g]; seq < (*firsts)[g + 1]; ++seq) run += seq_lengths[seq];
    if (run * parts * 4 > tokens * 5) {
      firsts->clear();
      return;
    }
  }
}

Status BertEncoder::Forward(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                            std::span<const uint32_t> seq_lengths, float* last_hidden_state,
                            EncoderScratch* scratch, ThreadPool* pool) const {
  size_t longest = 0;
  Status args = CheckArguments(ids, type_ids, seq_lengths, &longest);
  if (!args.ok()) return args;
  const size_t tokens = ids.size();
  if (tokens == 0) return Status::Ok();
  if (last_hidden_state == nullptr || scratch == nullptr) return Invalid("null output or scratch");
  // A batch of several sequences runs as one run of whole sequences per thread, each thread
  // through every layer on its own (no wait between the steps of a layer: 8 per layer when the
  // GEMMs are split by panels); a single sequence, or a batch too uneven to split, splits each
  // step across the threads. The result is the same either way (a row's result depends only on
  // its own sequence).
  const size_t threads = pool == nullptr ? 1 : pool->size();
  SequenceGroups(seq_lengths, tokens, threads, &scratch->runs);
  PrepareScratch(seq_lengths, tokens, longest, threads, scratch);
  if (scratch->runs.empty()) {
    Run(ids, type_ids, seq_lengths, last_hidden_state, BuffersOf(scratch, 0, 0, 0, threads), pool);
    return Status::Ok();
  }
  const size_t h = config_.hidden_size;
  pool->ParallelFor(scratch->runs.size() - 1, [&](size_t g, unsigned) {
    const size_t first = scratch->run_offsets[g], count = scratch->run_offsets[g + 1] - first;
    const size_t first_seq = scratch->runs[g], seqs = scratch->runs[g + 1] - first_seq;
    Run(ids.subspan(first, count), type_ids.subspan(first, count), seq_lengths.subspan(first_seq, seqs),
        last_hidden_state + first * h, BuffersOf(scratch, first, first_seq, g, threads), nullptr);
  });
  return Status::Ok();
}

void BertEncoder::PrepareScratch(std::span<const uint32_t> seq_lengths, size_t tokens, size_t longest,
                                 size_t threads, EncoderScratch* scratch) const {
  const size_t h = config_.hidden_size, inter = static_cast<size_t>(config_.intermediate_size);
  Reserve(&scratch->qkv, tokens * 3 * h);
  Reserve(&scratch->context, tokens * h);
  Reserve(&scratch->projected, tokens * h);
  Reserve(&scratch->intermediate, tokens * inter);
  Reserve(&scratch->scores, threads * kernels::AttentionScratchSize(longest, h, config_.num_heads));
  if (dtype_ == Dtype::kQ8) {  // MultiplyLinear's input rows, for the widest input (k = inter)
    const size_t row_bytes = kernels::Q8RowBytes(std::max(h, inter));
    if (scratch->quantized.size() < tokens * row_bytes) scratch->quantized.resize(tokens * row_bytes);
    Reserve(&scratch->row_scales, tokens);
    if (scratch->row_zeros.size() < tokens) scratch->row_zeros.resize(tokens);
  }
  // Starts count from each run's first token (the whole batch is one run when it is not split).
  const std::vector<size_t>& runs = scratch->runs;
  scratch->starts.resize(seq_lengths.size());
  scratch->run_offsets.resize(runs.size());
  for (size_t seq = 0, run = 0, start = 0, offset = 0; seq < seq_lengths.size(); ++seq) {
    if (run < runs.size() && runs[run] == seq) {
      scratch->run_offsets[run++] = offset;
      start = 0;
    }
    scratch->starts[seq] = start;
    start += seq_lengths[seq];
    offset += seq_lengths[seq];
  }
  if (!runs.empty()) scratch->run_offsets.back() = tokens;
}

BertEncoder::RunBuffers BertEncoder::BuffersOf(EncoderScratch* s, size_t first, size_t first_seq, size_t slot,
                                               size_t threads) const {
  const size_t h = config_.hidden_size, inter = static_cast<size_t>(config_.intermediate_size);
  const size_t per_thread = s->scores.size() / threads;
  const bool q8 = dtype_ == Dtype::kQ8;
  return RunBuffers{
      .qkv = s->qkv.data() + first * 3 * h,
      .context = s->context.data() + first * h,
      .projected = s->projected.data() + first * h,
      .intermediate = s->intermediate.data() + first * inter,
      .scores = s->scores.data() + slot * per_thread,
      .scores_per_thread = per_thread,
      .quantized = q8 ? s->quantized.data() + first * kernels::Q8RowBytes(std::max(h, inter)) : nullptr,
      .row_scales = q8 ? s->row_scales.data() + first : nullptr,
      .row_zeros = q8 ? s->row_zeros.data() + first : nullptr,
      .starts = s->starts.data() + first_seq};
}

void BertEncoder::Run(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                      std::span<const uint32_t> seq_lengths, float* last_hidden_state,
                      const RunBuffers& buffers, ThreadPool* pool) const {
  Embed(ids, type_ids, seq_lengths, last_hidden_state);
  for (const PackedLayer& layer : layers_)
    RunLayer(layer, seq_lengths, ids.size(), last_hidden_state, buffers, pool);
}

}  // namespace ruv::embed
