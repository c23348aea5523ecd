import type { ArgsOf, ResultOf } from '../../../src/shared/contract/index.js';
import type { SyntheticJob } from '../../../src/shared/contract/features/synthetic.js';
import { getClient } from '../../stores/connection.js';
/** What the Generate form asks of the teacher (source, filter, model, template, sampling): preview and start share it. */
export type GenerationRequest = Omit<ArgsOf<'synthetic.preview'>, 'chunkPosition'>;
type StartOptions = Pick<ArgsOf<'synthetic.start'>, 'chunkLimit' | 'parallel' | 'perChunk'>;

/** Runs the template on one chunk; writes nothing. */
export async function previewChunk(request: GenerationRequest, chunkPosition: number): Promise<ResultOf<'synthetic.preview'>> {
  return getClient().send('synthetic.preview', { ...request, chunkPosition });
}

/** Starts a generation job; its progress comes as job.progress under the returned id. */
export async function startGeneration(request: GenerationRequest, options: StartOptions): Promise<string> {
  return (await getClient().send('synthetic.start', { ...request, ...options })).jobId;
}

/** One generation job as the engine last saw it: counts and, once done, the version made from it. */
export async function loadGeneration(jobId: string): Promise<SyntheticJob> {
  return getClient().send('synthetic.status', { jobId });
}

/** Stops a job after saving the chunks that are finished. */
export async function cancelGeneration(jobId: string): Promise<ResultOf<'synthetic.cancel'>> {
  return getClient().send('synthetic.cancel', { jobId });
}

/** Continues a cancelled or failed job, skipping the chunks that are done. */
export async function resumeGeneration(jobId: string): Promise<ResultOf<'synthetic.resume'>> {
  return getClient().send('synthetic.resume', { jobId });
}
