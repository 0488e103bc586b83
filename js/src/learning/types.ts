/**
 * Types of ADR-006's `learning` module (RuvBot's ADR-007): patterns matched by cosine and weighted
 * by confidence, LoRA adapters on the embedding space trained from feedback, and EWC.
 */

/** What a pattern remembers: a response, a skill choice, a memory retrieval or a conversation flow. */
export type PatternType = 'response' | 'skill_selection' | 'memory_retrieval' | 'conversation_flow';

/** The pattern types in C ABI order (ruv::learn::PatternType). */
export const PATTERN_TYPES: readonly PatternType[] = Object.freeze([
  'response',
  'skill_selection',
  'memory_retrieval',
  'conversation_flow',
]);

/** Any JSON value (pattern metadata is stored as JSON text). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * When a pattern stops matching: used more than `minUses` times (default 10) with a success rate
 * below `minSuccessRate` (default 0.3). A later success that lifts the rate revives it.
 */
export interface ActivityPolicy {
  minUses: number;
  minSuccessRate: number;
}

/**
 * A pattern (ADR-006's PatternHandle). `embedding` is stored unit-normalized; `confidence` is
 * (successCount + 1) / (usageCount + 2), 0.5 for a new pattern; recordOutcome updates the counts,
 * `confidence` and `active`.
 */
export interface Pattern {
  readonly id: string;
  readonly type: PatternType;
  readonly embedding: Float32Array;
  readonly metadata: JsonValue;
  usageCount: number;
  successCount: number;
  confidence: number;
  active: boolean;
  readonly policy: Readonly<ActivityPolicy>;
}

/** Options of createPattern. */
export interface CreatePatternOptions {
  /** Default: a random UUID. */
  id?: string;
  /** Default 'response'. */
  type?: PatternType;
  usageCount?: number;
  successCount?: number;
  minUses?: number;
  minSuccessRate?: number;
}

/**
 * One match. `rawSimilarity` is the cosine of the (adapted) query with the pattern's embedding;
 * `score` = rawSimilarity x confidence. Results are sorted by score, ties by id.
 */
export interface PatternMatch {
  pattern: Pattern;
  score: number;
  rawSimilarity: number;
}

/** Options of matchPatterns and PatternStore.match. */
export interface MatchOptions {
  /** At most this many matches (default 5). */
  limit?: number;
  /** Only these types (default: all). */
  types?: readonly PatternType[];
  /** Adapt the query with this adapter first (then rawSimilarity is of the adapted query). */
  adapter?: LoRAWeights;
}

/** How a response or memory worked out for a query. */
export type Verdict = 'positive' | 'negative' | 'neutral';

/**
 * One piece of feedback: `query` led to `target` (the embedding of the response or memory used),
 * and `verdict` says whether that was right. `reward` (> 0, default 1) weights the example.
 * Neutral trajectories are ignored by training.
 */
export interface Trajectory {
  id?: string;
  query: Float32Array;
  target: Float32Array;
  verdict: Verdict;
  reward?: number;
}

/**
 * A low-rank adapter on the embedding space: f(x) = normalize(x + (alpha / rank) * B (A x)).
 * `a` is rank x dimensions and `b` dimensions x rank, row-major; both are views of `params`
 * (A then B). An untrained adapter (B = 0) is the identity.
 */
export interface LoRAWeights {
  readonly dimensions: number;
  readonly rank: number;
  readonly alpha: number;
  readonly params: Float32Array;
  readonly a: Float32Array;
  readonly b: Float32Array;
  /** How training went (absent on adapters that were loaded or made by applyEWC). */
  readonly training?: TrainReport;
}

/** What training reports after each epoch and at the end. */
export interface TrainReport {
  epochsRun: number;
  done: boolean;
  trainLoss: number;
  /** 0 without a validation split. */
  bestValidationLoss: number;
}

/**
 * The diagonal Fisher information of a finished task (one value per adapter parameter, mean 1),
 * with the adapter it was computed at (the anchor theta*).
 */
export interface FisherMatrix {
  readonly values: Float32Array;
  readonly anchor: LoRAWeights;
}

/** The EWC penalty lambda/2 * sum F (theta - theta*)^2 added to a training run. */
export interface EwcOptions {
  fisher: FisherMatrix;
  lambda: number;
}

/**
 * trainLoRA's options; all optional. The loss is InfoNCE over each batch's positive trajectories
 * (the other positives' targets in the batch are the negatives, with `temperature`), plus
 * `negatives.weight * max(0, cos(f(q), target) - negatives.margin)` for each negative verdict.
 */
export interface LoRAConfig {
  /** Default 8. */
  rank?: number;
  /** Default: rank (scale 1). */
  alpha?: number;
  /** Default 10. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** AdamW step size, default 5e-3. */
  learningRate?: number;
  /** Decoupled weight decay, default 0. */
  weightDecay?: number;
  /** InfoNCE temperature, default 0.05 (sentence-transformers' MultipleNegativesRankingLoss). */
  temperature?: number;
  /** The hinge on explicit negatives: default { margin: 0.1, weight: 1 }. */
  negatives?: { margin?: number; weight?: number };
  /** Share of the positives held out for early stopping, default 0 (none). */
  validationSplit?: number;
  /** Epochs without a better validation loss before stopping, default 3. */
  patience?: number;
  /** Fewer usable (positive or negative) trajectories is INVALID_ARGUMENT; default 8. */
  minTrajectories?: number;
  /** Default 42: the same seed gives the same weights on native and wasm. */
  seed?: number;
  /** Keep an earlier task (elastic weight consolidation). */
  ewc?: EwcOptions;
  /** Continue from these weights (default: the EWC anchor, else a fresh adapter). */
  initial?: LoRAWeights;
  /** Called after each epoch. */
  onEpoch?: (report: TrainReport) => void;
}
