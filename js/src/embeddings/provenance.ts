/**
 * Which model made a set of vectors (issue 22: never mixed spaces): the record SemanticMemory
 * keeps in its snapshot header and an HNSW index in its bytes (core/src/hnsw/FORMAT.md version 2,
 * as its annotation), its check, and the words MODEL_MISMATCH says it with. One codec for both.
 */
import { fail, isPlainObject } from '../check.js';
import type { EmbeddingModelInfo } from './types.js';

/** Which model made a set of vectors: everything that changes a vector. */
export interface ModelProvenanceRecord {
  modelId: string;
  revision: string | null;
  contentSha256: string;
  dimensions: number;
  pooling: 'mean' | 'cls';
  normalize: boolean;
  dtype: string;
  maxTokens: number;
  /** The end cut off long texts (absent in records made before it was recorded: 'right'). */
  truncation?: 'left' | 'right';
}

/** The record of a loaded model (or a record as it is). */
export function provenanceOf(info: EmbeddingModelInfo | ModelProvenanceRecord): ModelProvenanceRecord {
  const { modelId, revision, contentSha256, dimensions, pooling, normalize, dtype, maxTokens, truncation } =
    info;
  return {
    modelId,
    revision,
    contentSha256,
    dimensions,
    pooling,
    normalize,
    dtype,
    maxTokens,
    truncation: truncation ?? 'right',
  };
}

/** True when `value` has a record's fields with their types (read from untrusted bytes). */
export function isProvenanceRecord(value: unknown): value is ModelProvenanceRecord {
  if (!isPlainObject(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['modelId'] === 'string' &&
    (v['revision'] === null || typeof v['revision'] === 'string') &&
    typeof v['contentSha256'] === 'string' &&
    Number.isSafeInteger(v['dimensions']) &&
    (v['pooling'] === 'mean' || v['pooling'] === 'cls') &&
    typeof v['normalize'] === 'boolean' &&
    typeof v['dtype'] === 'string' &&
    Number.isSafeInteger(v['maxTokens']) &&
    (v['truncation'] === undefined || v['truncation'] === 'left' || v['truncation'] === 'right')
  );
}

/** The model in words, for errors. */
export function describeModel(m: ModelProvenanceRecord | null): string {
  if (m === null) return 'no model (vectors given by the caller)';
  return `${m.modelId} (sha256 ${m.contentSha256.slice(0, 12)}, ${m.dimensions}-d, ${m.pooling} pooling, ${
    m.normalize ? 'normalized' : 'not normalized'
  }, ${m.dtype}, ${m.maxTokens} tokens, truncated on the ${m.truncation ?? 'right'})`;
}

/** Whether two records make the same vectors (the model's id and revision may differ). */
export function sameVectors(a: ModelProvenanceRecord | null, b: ModelProvenanceRecord | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    (['contentSha256', 'dimensions', 'pooling', 'normalize', 'dtype', 'maxTokens'] as const).every(
      (k) => a[k] === b[k],
    ) && (a.truncation ?? 'right') === (b.truncation ?? 'right')
  );
}

/**
 * MODEL_MISMATCH unless `given` makes the same vectors as the model `stored` records; `what`
 * names what holds them ("the store's vectors").
 */
export function checkSameModel(
  fn: string,
  what: string,
  stored: ModelProvenanceRecord | null,
  given: EmbeddingModelInfo | ModelProvenanceRecord | null,
  hint = '',
): void {
  const now = given === null ? null : provenanceOf(given);
  if (!sameVectors(stored, now)) {
    throw fail(
      'MODEL_MISMATCH',
      fn,
      `${what} were made by ${describeModel(stored)}, but the model given is ${describeModel(now)}${hint}`,
    );
  }
}
