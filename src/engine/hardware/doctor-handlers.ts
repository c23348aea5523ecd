import type { DoctorReport, HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { runDoctor } from './doctor.js';

/** The doctor is slow (it starts Python and torch), so its report is cached until asked to refresh. */
export function doctorHandlers(ctx: EngineContext): Pick<HandlerImpls, 'doctor.report'> {
  let cached: Promise<DoctorReport> | null = null;
  return {
    'doctor.report': async ({ refresh }) => {
      if (!cached || refresh) {
        cached = runDoctor({
          dataDir: ctx.dataDir,
          dbProblem: ctx.dbProblem,
          probeInference: () => ctx.inference.client().send('inference.probe', {}),
        });
        cached.then((report) => ctx.events.emit('doctor.updated', report)).catch(() => (cached = null));
      }
      return cached;
    },
  };
}
