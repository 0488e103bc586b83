#!/usr/bin/python3
"""Writes a seeded BERT model folder laid out like a Hugging Face / sentence-transformers one.

Real weights cannot be downloaded here, so the loaders and the encoder are tested on models made
the way real ones are: a plain-torch BertModel whose module names (and so state_dict keys) are
Hugging Face's, saved as model.safetensors (written by hand below, PyTorch's [out, in] Linear
layout) and exported by torch.onnx.export as onnx/model.onnx (MatMul weights transposed under
exporter names such as onnx::MatMul_123, LayerNorm decomposed into ReduceMean/Sub/Pow/Sqrt/Div,
GELU as Div/Erf/Add/Mul, the attention mask built by Unsqueeze/Cast/Sub/Mul, as in Xenova's
exports). Also written, straight from torch, as the tests' independent expectations:
  tensors.json    per state_dict tensor: shape, a checksum of its float32 bits (bits_checksum)
                  and its first values;
  reference.json  last_hidden_state for a few fixed id sequences (single, padded batch).

Run with Debian's python (torch 1.13, onnx 1.12):
  /usr/bin/python3 tools/models/make_bert_model.py --preset tiny --out build/models/tiny
Deterministic: the same arguments give the same files.
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys

import torch
from torch import nn

PRESETS = {
    "tiny": dict(layers=2, hidden=32, heads=4, intermediate=64, vocab=30522, max_pos=512),
    # Small enough (~80 KB) to seed the libFuzzer targets (tests/fuzz), whose BertConfig matches.
    "micro": dict(layers=2, hidden=32, heads=4, intermediate=64, vocab=100, max_pos=16),
    # all-MiniLM-L6-v2's exact shapes.
    "minilm": dict(layers=6, hidden=384, heads=12, intermediate=1536, vocab=30522, max_pos=512),
}
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKENIZER_DIR = os.path.join(REPO_ROOT, "..", "shared", "models", "all-MiniLM-L6-v2-tokenizer")
TOKENIZER_FILES = ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]


class DecomposedLayerNorm(nn.Module):
    """LayerNorm written out so the export shows the primitive ops real exports have."""

    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.bias = nn.Parameter(torch.zeros(n))
        self.eps = eps

    def forward(self, x):
        u = x.mean(-1, keepdim=True)
        s = (x - u).pow(2).mean(-1, keepdim=True)
        return self.weight * ((x - u) / torch.sqrt(s + self.eps)) + self.bias


def make_layer_norm(args, n):
    if args.layernorm == "op":
        return nn.LayerNorm(n, eps=args.eps)  # exported as LayerNormalization at opset 17
    return DecomposedLayerNorm(n, args.eps)


def activation(name, x):
    if name == "gelu":  # erf GELU, as HF's "gelu"
        return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if name == "gelu_new":  # tanh approximation, as HF's "gelu_new"
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == "relu":
        return torch.relu(x)
    raise ValueError(name)


class BertEmbeddings(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.word_embeddings = nn.Embedding(a.vocab, a.hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(a.max_pos, a.hidden)
        self.token_type_embeddings = nn.Embedding(a.type_vocab, a.hidden)
        self.LayerNorm = make_layer_norm(a, a.hidden)
        self.register_buffer("position_ids", torch.arange(a.max_pos).expand((1, -1)))

    def forward(self, input_ids, token_type_ids):
        seq_length = input_ids.size(1)
        position_ids = self.position_ids[:, 0:seq_length]
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(position_ids)
        return self.LayerNorm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.heads = a.heads
        self.head_size = a.hidden // a.heads
        self.query = nn.Linear(a.hidden, a.hidden)
        self.key = nn.Linear(a.hidden, a.hidden)
        self.value = nn.Linear(a.hidden, a.hidden)

    def split(self, x):
        return x.view(x.size()[:-1] + (self.heads, self.head_size)).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size) + mask
        ctx = torch.matmul(nn.functional.softmax(scores, dim=-1), v)
        ctx = ctx.permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.size()[:-2] + (self.heads * self.head_size,))


class BertSelfOutput(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.dense = nn.Linear(a.hidden, a.hidden)
        self.LayerNorm = make_layer_norm(a, a.hidden)

    def forward(self, h, residual):
        return self.LayerNorm(self.dense(h) + residual)


class BertAttention(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.self = BertSelfAttention(a)
        self.output = BertSelfOutput(a)

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.dense = nn.Linear(a.hidden, a.intermediate)
        self.act = a.act

    def forward(self, x):
        return activation(self.act, self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.dense = nn.Linear(a.intermediate, a.hidden)
        self.LayerNorm = make_layer_norm(a, a.hidden)

    def forward(self, h, residual):
        return self.LayerNorm(self.dense(h) + residual)


class BertLayer(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.attention = BertAttention(a)
        self.intermediate = BertIntermediate(a)
        self.output = BertOutput(a)

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(a) for _ in range(a.layers)])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertPooler(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.dense = nn.Linear(a.hidden, a.hidden)


class BertModel(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embeddings = BertEmbeddings(a)
        self.encoder = BertEncoder(a)
        self.pooler = BertPooler(a)  # saved like HF's, unused by last_hidden_state

    def forward(self, input_ids, attention_mask, token_type_ids):
        # HF's get_extended_attention_mask: Unsqueeze, Cast, Sub, Mul in the export.
        mask = attention_mask[:, None, None, :].to(torch.float32)
        mask = (1.0 - mask) * torch.finfo(torch.float32).min
        return self.encoder(self.embeddings(input_ids, token_type_ids), mask)


def init_weights(model, seed, scale=0.02):
    """BERT's init (N(0, 0.02)), but biases and LayerNorm parameters random too so that a loader
    that swaps or drops one shows in the tests. `scale` is the std of the dense (Linear) weights:
    at BERT's 0.02 a model as small as tiny barely uses its activation (gelu vs gelu_new moves
    its output by 5e-7, under the tests' 2e-5), so the test models take larger ones (--weight-scale)
    where every config choice shows. The embeddings stay at 0.02: the first LayerNorm then sees a
    small variance, so its eps shows too."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            elif "LayerNorm.bias" in name or name.endswith(".bias"):
                p.copy_(0.05 * torch.randn(p.shape, generator=g))
            elif name.startswith("embeddings."):
                p.copy_(0.02 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(scale * torch.randn(p.shape, generator=g))
        model.embeddings.word_embeddings.weight[0].zero_()  # padding_idx row, as HF's init


def bits_checksum(t):
    """Order-sensitive checksum of a tensor's float32 bit patterns: sum of u32[i] * (2i + 1)
    modulo 2^64 (vectorized, unlike a byte hash, so the MiniLM-sized model stays fast; any
    changed, swapped or transposed value changes it). The C++ tests compute the same sum."""
    import numpy as np
    bits = t.detach().contiguous().to(torch.float32).numpy().reshape(-1).view(np.uint32).astype(np.uint64)
    weights = np.arange(bits.size, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    with np.errstate(over="ignore"):
        return "%016x" % int(np.sum(bits * weights, dtype=np.uint64))


SAFETENSORS_DTYPE = {torch.float32: "F32", torch.int64: "I64", torch.float16: "F16"}


def write_safetensors(path, tensors, metadata):
    """safetensors: u64 LE header length, JSON header {name: {dtype, shape, data_offsets}},
    __metadata__, space-padded to 8 bytes, then the raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPE[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def config_json(a):
    return {
        "_name_or_path": "ruvector-generated-%s" % a.name, "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1, "classifier_dropout": None, "hidden_act": a.act,
        "hidden_dropout_prob": 0.1, "hidden_size": a.hidden, "initializer_range": 0.02,
        "intermediate_size": a.intermediate, "layer_norm_eps": a.eps,
        "max_position_embeddings": a.max_pos, "model_type": "bert", "num_attention_heads": a.heads,
        "num_hidden_layers": a.layers, "pad_token_id": 0, "position_embedding_type": "absolute",
        "transformers_version": "4.29.2", "type_vocab_size": a.type_vocab, "use_cache": True,
        "vocab_size": a.vocab,
    }


# Fixed inputs for reference.json: [CLS] ... [SEP] ids from the real vocab, a pair with token types,
# and a padded batch (the second row's padding must not change its real tokens' outputs).
REFERENCE_CASES = [
    {"input_ids": [[101, 7592, 2088, 102]], "attention_mask": [[1, 1, 1, 1]],
     "token_type_ids": [[0, 0, 0, 0]]},
    {"input_ids": [[101, 2023, 2003, 1037, 3231, 102, 2178, 6251, 102]],
     "attention_mask": [[1] * 9], "token_type_ids": [[0, 0, 0, 0, 0, 0, 1, 1, 1]]},
    {"input_ids": [[101, 1045, 2293, 4937, 2015, 1012, 102], [101, 7592, 102, 0, 0, 0, 0]],
     "attention_mask": [[1] * 7, [1, 1, 1, 0, 0, 0, 0]], "token_type_ids": [[0] * 7, [0] * 7]},
]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS))
    p.add_argument("--layers", type=int)
    p.add_argument("--hidden", type=int)
    p.add_argument("--heads", type=int)
    p.add_argument("--intermediate", type=int)
    p.add_argument("--vocab", type=int)
    p.add_argument("--max-pos", dest="max_pos", type=int)
    p.add_argument("--type-vocab", dest="type_vocab", type=int, default=2)
    p.add_argument("--eps", type=float, default=1e-12)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--weight-scale", dest="weight_scale", type=float, default=0.02,
                   help="std of the dense weights (BERT's 0.02; larger makes the activation, "
                        "LayerNorm eps and attention scaling show in the output)")
    p.add_argument("--pooling", choices=["mean", "cls"], default="mean")
    p.add_argument("--act", choices=["gelu", "gelu_new", "relu"], default="gelu")
    p.add_argument("--layernorm", choices=["decomposed", "op"], default="decomposed",
                   help="decomposed (ReduceMean/Sub/Pow/Sqrt/Div, opset 14, as real exports) or "
                        "op (nn.LayerNorm exported as LayerNormalization, opset 17)")
    p.add_argument("--prefix-bert", action="store_true", help="safetensors names start with bert.")
    p.add_argument("--max-seq-length", type=int, default=256)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    base = PRESETS.get(a.preset, {})
    for k in ("layers", "hidden", "heads", "intermediate", "vocab", "max_pos"):
        if getattr(a, k) is None:
            if k not in base:
                p.error("--%s is required without --preset" % k.replace("_", "-"))
            setattr(a, k, base[k])
    if a.hidden % a.heads:
        p.error("--hidden must be divisible by --heads")
    a.name = a.preset or "custom"
    return a


def main(argv):
    a = parse_args(argv)
    torch.manual_seed(a.seed)
    model = BertModel(a).eval()
    init_weights(model, a.seed, a.weight_scale)
    os.makedirs(os.path.join(a.out, "onnx"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "1_Pooling"), exist_ok=True)

    state = model.state_dict()
    prefix = "bert." if a.prefix_bert else ""
    write_safetensors(os.path.join(a.out, "model.safetensors"),
                      {prefix + k: v for k, v in state.items()}, {"format": "pt"})

    tensors = {}
    for k, v in state.items():
        if v.dtype != torch.float32:
            continue
        flat = v.detach().reshape(-1)
        tensors[k] = {"shape": list(v.shape), "checksum": bits_checksum(v),
                      "first": [float(x) for x in flat[:8]]}
    with open(os.path.join(a.out, "tensors.json"), "w") as f:
        json.dump(tensors, f, indent=1)

    ids = torch.tensor([[101, 7592, 2088, 102]], dtype=torch.int64) % a.vocab  # a small --vocab wraps
    ones = torch.ones_like(ids)
    opset = 17 if a.layernorm == "op" else 14
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            "token_type_ids": {0: "batch", 1: "sequence"},
            "last_hidden_state": {0: "batch", 1: "sequence"}}
    torch.onnx.export(model, (ids, ones, torch.zeros_like(ids)), os.path.join(a.out, "onnx", "model.onnx"),
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=opset,
                      do_constant_folding=True)

    refs = []
    with torch.no_grad():
        for case in REFERENCE_CASES:
            case = dict(case, input_ids=[[i % a.vocab for i in row] for row in case["input_ids"]])
            out = model(*(torch.tensor(case[k], dtype=torch.int64)
                          for k in ("input_ids", "attention_mask", "token_type_ids")))
            refs.append(dict(case, shape=list(out.shape),
                             last_hidden_state=[float(x) for x in out.reshape(-1)]))
    with open(os.path.join(a.out, "reference.json"), "w") as f:
        json.dump(refs, f)

    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config_json(a), f, indent=2)
    for name in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(TOKENIZER_DIR, name), os.path.join(a.out, name))
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    with open(os.path.join(a.out, "modules.json"), "w") as f:
        json.dump(modules, f, indent=2)
    pooling = {"word_embedding_dimension": a.hidden, "pooling_mode_cls_token": a.pooling == "cls",
               "pooling_mode_mean_tokens": a.pooling == "mean", "pooling_mode_max_tokens": False,
               "pooling_mode_mean_sqrt_len_tokens": False}
    with open(os.path.join(a.out, "1_Pooling", "config.json"), "w") as f:
        json.dump(pooling, f, indent=2)
    with open(os.path.join(a.out, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": a.max_seq_length, "do_lower_case": False}, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1:])
