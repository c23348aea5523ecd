import { create } from 'zustand';
import type { ArgsOf, ComputeTarget, LatheErrorData, TargetTest } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

interface TargetsStore {
  targets: ComputeTarget[];
  status: LoadStatus;
  error: LatheErrorData | null;
  /** Targets whose connection test is running now. */
  testing: Record<string, boolean>;
  load(): Promise<void>;
  test(name: string): Promise<TargetTest>;
  add(args: ArgsOf<'targets.add'>): Promise<ComputeTarget>;
  remove(name: string): Promise<void>;
}

/**
 * Compute targets as the Compute page and the Train page's "Where" show them: this machine first, then every saved
 * SSH server and Slurm cluster with its last connection test and its running and queued runs.
 */
export const useTargets = create<TargetsStore>((set, get) => ({
  targets: [],
  status: 'idle',
  error: null,
  testing: {},
  async load() {
    set((s) => ({ status: s.status === 'ready' ? 'ready' : 'loading' }));
    try {
      const { targets } = await getClient().send('targets.list', {});
      set({ targets, status: 'ready', error: null });
    } catch (err) {
      set({ status: 'error', error: asErrorData(err) });
    }
  },
  async test(name) {
    set((s) => ({ testing: { ...s.testing, [name]: true } }));
    try {
      return await getClient().send('targets.test', { name });
    } finally {
      set((s) => ({ testing: { ...s.testing, [name]: false } }));
      await get().load();
    }
  },
  async add(args) {
    const added = await getClient().send('targets.add', args);
    await get().load();
    return added;
  },
  async remove(name) {
    await getClient().send('targets.remove', { name });
    await get().load();
  },
}));
