import { useCallback, useState } from 'react';
import type { VersionApproval } from '../../../src/shared/contract/features/datasets.js';
import { getClient } from '../../stores/connection.js';
import { useRequest } from '../../stores/use-request.js';

/**
 * A version's approvals for training, and approving it (datasets.approvals / datasets.approveVersion): in team mode
 * with the approver's password, which signs the version's content hash.
 */
export function useVersionApprovals(versionId: string) {
  const [bump, setBump] = useState(0);
  const [fresh, setFresh] = useState<{ versionId: string; approvals: VersionApproval[] } | null>(null);
  const loaded = useRequest(async () => (await getClient().send('datasets.approvals', { versionId })).approvals, [versionId, bump]);
  const approve = useCallback(
    async (note: string, password: string | null) => {
      const { approvals } = await getClient().send('datasets.approveVersion', { versionId, ...(note.trim() ? { note: note.trim() } : {}), ...(password ? { password } : {}) });
      setFresh({ versionId, approvals });
      setBump((b) => b + 1);
    },
    [versionId],
  );
  const approvals = fresh?.versionId === versionId && !loaded.value ? fresh.approvals : (loaded.value ?? []);
  return { approvals, loading: loaded.loading && !loaded.value, error: loaded.error, approve };
}
