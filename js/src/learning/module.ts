/**
 * ADR-006 `learning` module (patterns, LoRA and EWC of ADR-007). Not written yet: every function
 * throws UNSUPPORTED. Its argument and result types are published when the module works.
 */
import { notImplementedYet } from '../stand-in.js';

/** The functions the learning module will have. */
const LEARNING_FUNCTIONS = ['createPattern', 'matchPatterns', 'trainLoRA', 'applyEWC'] as const;

/** ADR-006 `learning` module; in this version every function throws UNSUPPORTED. */
export type LearningModule = {
  readonly [name in (typeof LEARNING_FUNCTIONS)[number]]: (...args: unknown[]) => never;
};

/** The learning module of this version: every call throws UNSUPPORTED. */
export function createLearningModule(): LearningModule {
  return notImplementedYet<LearningModule>('learning', 'pattern learning', LEARNING_FUNCTIONS);
}
