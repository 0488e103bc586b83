/**
 * The one codec between the embeddings C ABI (core/capi/ruv_capi_embed.h) and JS, used by the
 * native and the wasm adapters alike: texts packed as UTF-8 back to back with one length each, and
 * the info values of ruv_embed_info.
 */
import type { EmbedLoadParams, PackedTexts } from '../backend.js';

const encoder = new TextEncoder();

/** Packs `texts` as the C ABI takes them. */
export function packTexts(texts: readonly string[]): PackedTexts {
  const parts = texts.map((t) => encoder.encode(t));
  const lengths = new Uint32Array(parts.length);
  let total = 0;
  parts.forEach((p, i) => {
    lengths[i] = p.length;
    total += p.length;
  });
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, lengths };
}

/** UTF-8 of one text. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** Splits count x dimensions floats into one Float32Array per text (views of one buffer). */
export function splitRows(flat: Float32Array, dimensions: number): Float32Array[] {
  const rows: Float32Array[] = [];
  for (let at = 0; at < flat.length; at += dimensions) rows.push(flat.subarray(at, at + dimensions));
  return rows;
}

/** What the core says of a loaded model (ruv_embed_info). */
export interface CoreModelInfo {
  dimensions: number;
  maxTokens: number;
  maxTokensSource: 'option' | 'sentence_bert_config' | 'tokenizer' | 'max_position_embeddings';
  pooling: 'mean' | 'cls';
  normalize: boolean;
  vocabSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  maxPositions: number;
  weights: 'onnx' | 'safetensors' | 'onnx-quantized';
  hiddenAct: 'gelu' | 'gelu_new' | 'relu';
  truncation: 'left' | 'right';
  threads: number;
  dtype: 'fp32' | 'q8';
  /** Bytes of weights the model holds (to the KiB). */
  weightBytes: number;
  /** Of those, the bytes packed in place of the model file's own (to the KiB). */
  weightBytesInFile: number;
}

const MAX_TOKENS_SOURCES = [
  'option',
  'sentence_bert_config',
  'tokenizer',
  'max_position_embeddings',
] as const;
const ACTS = ['gelu', 'gelu_new', 'relu'] as const;

/** Decodes the RUV_EMBED_INFO_COUNT values of ruv_embed_info (order documented there). */
export function decodeModelInfo(v: Uint32Array): CoreModelInfo {
  return {
    dimensions: v[0]!,
    maxTokens: v[1]!,
    maxTokensSource: MAX_TOKENS_SOURCES[v[2]!] ?? 'max_position_embeddings',
    pooling: v[3] === 1 ? 'cls' : 'mean',
    normalize: v[4] === 1,
    vocabSize: v[5]!,
    layers: v[6]!,
    heads: v[7]!,
    intermediateSize: v[8]!,
    maxPositions: v[9]!,
    weights: v[10] === 2 ? 'safetensors' : v[10] === 3 ? 'onnx-quantized' : 'onnx',
    hiddenAct: ACTS[v[11]!] ?? 'gelu',
    truncation: v[12] === 1 ? 'left' : 'right',
    threads: v[13]!,
    dtype: v[14] === 1 ? 'q8' : 'fp32',
    weightBytes: v[15]! * 1024,
    weightBytesInFile: v[16]! * 1024,
  };
}

/** Number of values ruv_embed_info writes (RUV_EMBED_INFO_COUNT). */
export const EMBED_INFO_COUNT = 17;

/** ruv_embed_options as both bindings take it: its 8 fields, 32 bits each, in this order. */
export function encodeLoadParams(p: EmbedLoadParams): Int32Array {
  return Int32Array.of(
    p.maxTokens,
    p.pooling,
    p.normalize,
    p.weights,
    p.truncation,
    p.threads,
    p.dtype,
    p.digestsChecked,
  );
}
