import { useEffect, useState } from 'react';
import type { Lineage, LineageKind } from '../../../src/shared/contract/features/lineage.js';
import type { LatheErrorData } from '../../../src/shared/contract/index.js';
import { getClient, useConnection } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';
import { listModels } from '../models/models-store.js';
/** A starting point offered while nothing is focused. */
export interface LineagePick {
  kind: LineageKind;
  id: string;
  label: string;
  sub: string;
}

/**
 * The Lineage page's data: the graph around the focused object (lineage.get), or, with nothing focused, the newest
 * models to start from. Asked again when the focus changes and when the connection opens.
 */
export function useLineage(focusKind: LineageKind | null, id: string | undefined): { graph: Lineage | null; error: LatheErrorData | null; recent: LineagePick[] } {
  const open = useConnection((s) => s.status === 'open');
  const [graph, setGraph] = useState<Lineage | null>(null);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const [recent, setRecent] = useState<LineagePick[]>([]);

  useEffect(() => {
    if (!open) return;
    if (!focusKind || !id) {
      setGraph(null);
      void listModels().then((models) => setRecent(models.slice(0, 12).map((m) => ({ kind: 'model' as const, id: m.id, label: m.name, sub: m.kind }))), () => undefined);
      return;
    }
    setError(null);
    getClient().send('lineage.get', { kind: focusKind, id }).then(setGraph, (err) => setError(asErrorData(err)));
  }, [open, focusKind, id]);

  return { graph, error, recent };
}
