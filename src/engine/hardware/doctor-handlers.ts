import fs from 'node:fs';
import path from 'node:path';
import type { DoctorReport, HandlerImpls } from '../../shared/contract/index.js';
import { doctorReportSchema } from '../../shared/contract/features/doctor.js';
import type { EngineContext } from '../context.js';
import { runDoctor, type DoctorInputs } from './doctor.js';

/** Where the last report is kept between starts (a rebuildable cache in the data folder, not audited data). */
export const DOCTOR_CACHE_FILE = path.join('cache', 'doctor-report.json');

/**
 * The doctor is slow (it starts Python and torch: ~15 s on 2 cores), so its report is cached until asked to
 * refresh — and kept on disk, so a fresh start answers at once with the last report (its checkedAt says when)
 * while a new check runs; `doctor.updated` brings the new one. `run` is replaceable for tests.
 */
export function doctorHandlers(ctx: EngineContext, run: (inputs: DoctorInputs) => Promise<DoctorReport> = runDoctor): Pick<HandlerImpls, 'doctor.report'> {
  let cached: Promise<DoctorReport> | null = null;
  const file = path.join(ctx.dataDir, DOCTOR_CACHE_FILE);
  const check = () => {
    const fresh = run({
      dataDir: ctx.dataDir,
      dbProblem: ctx.dbProblem,
      probeInference: () => ctx.inference.client().send('inference.probe', {}),
    });
    fresh.then((report) => {
      ctx.events.emit('doctor.updated', report);
      keep(file, report);
    }).catch(() => (cached = null));
    return fresh;
  };
  return {
    'doctor.report': async ({ refresh }) => {
      if (cached && !refresh) return cached;
      const last = refresh ? null : kept(file);
      cached = check();
      return last ?? cached;
    },
  };
}

function keep(file: string, report: DoctorReport): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(report));
    fs.renameSync(`${file}.tmp`, file);
  } catch {
    // a full or read-only disk: the next start simply checks again
  }
}

function kept(file: string): DoctorReport | null {
  try {
    const parsed = doctorReportSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null; // an older Lathe's report shape is ignored, not trusted
  } catch {
    return null;
  }
}
