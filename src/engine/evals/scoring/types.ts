import type { EvalQuestion } from '../eval-items.js';

/**
 * How one eval task scores one answer. `metrics` are 0..1 values named by the task (e.g. accuracy, jsonValid,
 * fieldAccuracy, refused, canaryLeaked); `detail` is what a reviewer needs to see why (the parsed JSON, the
 * matched refusal phrase, the leaked canary). Scorers are pure: same output and question, same verdict.
 */
export interface ItemVerdict {
  metrics: Record<string, number>;
  detail?: Record<string, unknown>;
}

export interface TaskScorer {
  /** The eval task this scorer serves: 'qa', 'classification', 'structured', 'safety', … */
  task: string;
  score(output: string, question: EvalQuestion): ItemVerdict;
}
