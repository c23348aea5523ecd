import { parseFlags } from '../args.js';
import { Engine } from '../../engine/engine.js';
import { formatDoctor } from '../../engine/hardware/doctor.js';
import { resolveDataDir } from '../../engine/paths.js';

export async function doctorCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { 'data-dir': { type: 'string' }, json: { type: 'boolean' } }, 'lathe doctor [--data-dir DIR] [--json]');
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  try {
    const report = await engine.call('doctor.report', { refresh: true });
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatDoctor(report) + '\n');
    return report.checks.some((c) => c.status === 'fail') ? 1 : 0;
  } finally {
    await engine.dispose();
  }
}
