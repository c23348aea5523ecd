import { useCallback, useEffect, useState } from 'react';
import type { LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';
import { useJobs, type JobView } from '../../stores/jobs.js';

export type TrainerEnv = ResultOf<'doctor.trainerEnv'>;

/**
 * The trainer environment's state (doctor.trainerEnv) and its setup job, followed through the jobs store. When the
 * job ends the state is read again; the engine re-runs the doctor after a new environment (doctor.updated).
 */
export function useTrainerEnv(): { env: TrainerEnv | null; job: JobView | undefined; error: LatheErrorData | null; setUp(force: boolean): Promise<void> } {
  const [env, setEnv] = useState<TrainerEnv | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));

  const refresh = useCallback(async () => {
    const found = await getClient().send('doctor.trainerEnv', {});
    setEnv(found);
    if (found.jobId) setJobId(found.jobId);
  }, []);
  useEffect(() => {
    void refresh().catch((err: unknown) => setError(asErrorData(err)));
  }, [refresh]);
  useEffect(() => {
    if (!job || job.state === 'running') return;
    void refresh().catch(() => undefined);
  }, [job?.state]);

  const setUp = useCallback(async (force: boolean) => {
    setError(null);
    try {
      setJobId((await getClient().send('doctor.setupTrainerEnv', { force })).jobId);
    } catch (err) {
      setError(asErrorData(err));
    }
  }, []);
  return { env, job, error, setUp };
}
