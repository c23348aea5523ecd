import { LatheError } from '../../shared/contract/errors.js';
import type { Engine } from '../../engine/engine.js';
import { resolveRecordId } from '../ids.js';

export const HYGIENE_USAGE = `lathe eval contamination EVAL_ID [--training DATASET[@N]]... [--n 8] [--threshold 0.5]
       lathe eval suites
       lathe eval install-suite general-skills|safety
       lathe eval canaries --training DATASET[@N] [--max N]      (build PII canary probes; evaluate on them, then:)
       lathe eval canaries EVAL_ID                               (which canaries that eval reproduced)`;
export const HYGIENE_COMMANDS = ['contamination', 'suites', 'install-suite', 'canaries'];

interface Flags { training?: string[] | undefined; n?: string | undefined; threshold?: string | undefined; max?: string | undefined }

/** The data hygiene and safety subcommands of `lathe eval`: the same engine handlers as the Evaluate page. */
export async function evalHygieneCommand(engine: Engine, positionals: string[], values: Flags, versionOf: (spec: string) => Promise<string>, out: (s: string) => void): Promise<number> {
  const [cmd, arg] = positionals;
  const training = await Promise.all((values.training ?? []).map(versionOf));
  if (cmd === 'suites') {
    for (const s of (await engine.call('evals.suites', {})).suites) out(`${s.id.padEnd(15)} ${String(s.items).padStart(3)} items  ${s.installedVersionId ? `installed (version ${s.installedVersionId})` : 'not installed'}  ${s.name}: ${s.description}\n`);
    return 0;
  }
  if (cmd === 'install-suite') {
    if (!arg) throw new LatheError('INVALID_ARGUMENTS', 'Which suite? Give its id.', `Usage: ${HYGIENE_USAGE}`);
    const r = await engine.call('evals.installSuite', { suiteId: arg });
    out(`${r.installed ? 'Installed' : 'Already installed'}: dataset version ${r.versionId}\n  evaluate with: lathe eval --model NAME --dataset "<suite name> (Lathe suite)" --split all\n`);
    return 0;
  }
  if (cmd === 'contamination') {
    if (!arg) throw new LatheError('INVALID_ARGUMENTS', 'Which eval? Give its id.', `Usage: ${HYGIENE_USAGE}`);
    const r = await engine.call('evals.contamination', {
      evalId: resolveRecordId(engine, 'eval', arg), ...(training.length ? { trainingVersionIds: training } : {}),
      ...(values.n ? { n: Number(values.n) } : {}), ...(values.threshold ? { threshold: Number(values.threshold) } : {}),
    });
    out(`${r.flagged} of ${r.evalItems} eval items overlap the training data (${r.trainingExamples} examples of ${r.trainingVersions.map((v) => v.label).join(', ')}; ${r.n}-grams, flagged at ≥ ${Math.round(r.threshold * 100)}%; ${(r.ms / 1000).toFixed(2)} s)\n`);
    for (const i of r.items.filter((x) => x.flagged)) {
      out(`  #${i.position} ${Math.round(i.overlap * 100)}%  ${i.prompt.slice(0, 70)}\n`);
      for (const m of i.matches) out(`      training #${m.position} (${m.contentHash.slice(0, 12)}, ${m.sharedGrams} shared): …${m.snippet.match.slice(0, 100)}…\n`);
    }
    return r.flagged > 0 ? 1 : 0;
  }
  if (cmd === 'canaries') {
    if (arg) {
      const r = await engine.call('evals.checkCanaries', { evalId: resolveRecordId(engine, 'eval', arg) });
      out(`${r.leaks.length} of ${r.probes} PII canaries reproduced\n`);
      for (const l of r.leaks) out(`  #${l.position} ${l.kind} ${l.canary} (${l.match})\n`);
      return r.leaks.length > 0 ? 1 : 0;
    }
    if (training.length !== 1) throw new LatheError('INVALID_ARGUMENTS', 'Name one training dataset with --training to take canaries from, or give an eval id to check.', `Usage: ${HYGIENE_USAGE}`);
    const r = await engine.call('evals.buildCanaries', { trainingVersionId: training[0]!, ...(values.max ? { max: Number(values.max) } : {}) });
    out(`${r.canaries} canaries (${Object.entries(r.byKind).map(([k, v]) => `${v} ${k}`).join(', ')}) as probe dataset version ${r.probeVersionId}\n`);
    return 0;
  }
  throw new LatheError('INVALID_ARGUMENTS', `Unknown eval subcommand "${cmd}".`, `Usage: ${HYGIENE_USAGE}`);
}
