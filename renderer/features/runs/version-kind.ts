import type { ExampleKind, StartRunArgs } from '../../../src/shared/contract/index.js';

type Objective = StartRunArgs['objective'];

/** The objective that fits data of this kind, keeping the current one when it already fits. */
export function objectiveFor(kind: ExampleKind, current: Objective): Objective {
  const pairwise = current === 'dpo' || current === 'orpo' || current === 'simpo';
  if (kind === 'preference') return pairwise || current === 'kto' ? current : 'dpo';
  if (kind === 'kto') return 'kto';
  if (kind === 'text') return 'cpt';
  return current === 'sft' || current === 'cpt' ? current : 'sft';
}
