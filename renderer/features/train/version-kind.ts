import { useEffect, useState } from 'react';
import type { ExampleKind, StartRunArgs } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';

type Objective = StartRunArgs['objective'];

/** The kind of a version's first example (versions hold one kind in practice), or null while unknown. */
export function useVersionKind(versionId: string): ExampleKind | null {
  const [kind, setKind] = useState<ExampleKind | null>(null);
  useEffect(() => {
    setKind(null);
    if (!versionId) return;
    let live = true;
    getClient()
      .send('datasets.examples', { versionId, limit: 1 })
      .then((r) => live && setKind(r.examples[0]?.content.kind ?? null))
      .catch(() => undefined); // the launch names a wrong pairing anyway
    return () => {
      live = false;
    };
  }, [versionId]);
  return kind;
}

/** The objective that fits data of this kind, keeping the current one when it already fits. */
export function objectiveFor(kind: ExampleKind, current: Objective): Objective {
  const pairwise = current === 'dpo' || current === 'orpo' || current === 'simpo';
  if (kind === 'preference') return pairwise || current === 'kto' ? current : 'dpo';
  if (kind === 'kto') return 'kto';
  if (kind === 'text') return 'cpt';
  return current === 'sft' || current === 'cpt' ? current : 'sft';
}
