#!/usr/bin/env bash
# Generates the seeded test models (tools/models/make_bert_model.py, Debian's python3-torch and
# python3-onnx) into build/models, which the C++ and node suites read through RUV_TEST_MODELS, and
# bundles of the micro model (the bundle fuzz target's seed) and of the tiny one (the e2e suite's). Deterministic: the same generator
# gives the same files, so a folder already made by this generator version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/models
mkdir -p "$out"
stamp=$(sha256sum tools/models/make_bert_model.py | cut -c1-16)
make_model() {  # $1: folder name under build/models, then the generator's options
  local name=$1; shift
  if [ -f "$out/$name/.generator-$stamp" ]; then return; fi
  rm -rf "${out:?}/$name"
  /usr/bin/python3 tools/models/make_bert_model.py "$@" --out "$out/$name" >"$out/$name.log" 2>&1 \
    || { cat "$out/$name.log"; echo "test model $name: FAILED"; exit 1; }
  touch "$out/$name/.generator-$stamp"
}
make_model micro --preset micro  # also the seed of the onnx/safetensors/bundle fuzz targets
# The tiny models take dense weights of std 0.1 (BERT's 0.02 at MiniLM's size): at 0.02 a model
# that small barely uses its activation, and gelu vs gelu_new would hide under the tolerances.
make_model tiny --preset tiny --weight-scale 0.1
make_model minilm --preset minilm
# bert.-prefixed safetensors, LayerNormalization op (opset 17), gelu_new, CLS pooling, eps 1e-5.
make_model tiny-variant --preset tiny --prefix-bert --layernorm op --act gelu_new --pooling cls --seed 99 \
  --eps 1e-5 --weight-scale 0.1
# Models beside their quantized export, as onnxruntime's quantize_dynamic writes the Hub's
# onnx/model_quantized.onnx (tools/models/quantize_onnx.py), and the dequantized float export:
# tiny per channel, micro per tensor (it also seeds the onnx fuzz target).
qstamp=$(cat tools/models/quantize_onnx.py tools/models/make_bert_model.py | sha256sum | cut -c1-16)
quantize_model() {  # $1: folder name under build/models, $2: quantize_onnx.py's option or "", then make_model's
  local name=$1 form=$2
  shift 2
  make_model "$name" "$@"
  if [ -f "$out/$name/.quantized-$qstamp" ]; then return; fi
  /usr/bin/python3 tools/models/quantize_onnx.py "$out/$name" $form >>"$out/$name.log" 2>&1 \
    || { cat "$out/$name.log"; echo "test model $name: FAILED"; exit 1; }
  touch "$out/$name/.quantized-$qstamp"
}
quantize_model tiny-quantized --per-channel --preset tiny --weight-scale 0.1  # transformers.js's form
quantize_model micro-quantized "" --preset micro                              # quantize_dynamic's defaults
# MiniLM's shapes with gelu_new (all-MiniLM-L6-v2 uses gelu; other sentence-transformers do not).
make_model minilm-gelu-new --preset minilm --act gelu_new --seed 77
if [ -f js/dist/cli.js ]; then
  node js/dist/cli.js pack-model "$out/micro" -o "$out/micro.ruvmodel" >/dev/null
  # The engine suite's model in every engine (tests/e2e): one Uint8Array, the real tokenizer.
  node js/dist/cli.js pack-model "$out/tiny" -o "$out/tiny.ruvmodel" >/dev/null
fi
echo "test models: $(ls -d "$out"/*/ | wc -l) folders in $out"
