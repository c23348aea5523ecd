import fs from 'node:fs';
import { LatheError } from '../../shared/contract/errors.js';
import type { TemplateInput } from '../../shared/contract/features/synthetic.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { intFlag, parseFlags } from '../args.js';
import { resolveGgufModelId, resolveRecordId } from '../ids.js';

const USAGE =
  'lathe generate --version VERSION_ID --model NAME|ID|ID_PREFIX [--template qa|chat|summary|extraction|classification] [--prompt-file FILE] ' +
  '[--adapter NAME|ID] [--per-chunk N] [--containing TEXT] [--document NAME] [--pages A-B] ' +
  '[--chunks N] [--parallel N] [--max-tokens N] [--temperature T] [--seed N]   |   lathe generate --resume JOB_ID   |   lathe generate --list';
const KINDS = new Set(['qa', 'summary', 'extraction', 'classification', 'chat']);

/**
 * Synthetic examples from a documents version with a local teacher, headless: the same job as the Generate page.
 * Progress goes to stderr; Ctrl-C cancels after the chunks in flight and the job can be resumed with --resume.
 */
export async function generateCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      version: { type: 'string' }, model: { type: 'string' }, template: { type: 'string' }, 'prompt-file': { type: 'string' }, chunks: { type: 'string' },
      parallel: { type: 'string' }, 'max-tokens': { type: 'string' }, temperature: { type: 'string' }, seed: { type: 'string' }, resume: { type: 'string' },
      list: { type: 'boolean' }, 'data-dir': { type: 'string' }, adapter: { type: 'string' }, 'per-chunk': { type: 'string' },
      containing: { type: 'string' }, document: { type: 'string' }, pages: { type: 'string' },
    },
    USAGE,
  );
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  try {
    if (values.list) {
      for (const j of (await engine.call('synthetic.list', {})).jobs) {
        process.stdout.write(`${j.id}  ${j.status.padEnd(9)} ${j.templateVersion.padEnd(18)} ${j.chunksDone}/${j.chunksTotal} chunks  ${j.items} examples  ${j.targetVersionId ?? ''}\n`);
      }
      return 0;
    }
    let jobId: string;
    if (values.resume) jobId = (await engine.call('synthetic.resume', { jobId: resolveRecordId(engine, 'generation job', values.resume) })).jobId;
    else {
      if (!values.version || !values.model) throw new LatheError('INVALID_ARGUMENTS', 'Which documents and which teacher? --version and --model are required.', `Usage: ${USAGE}`);
      const kind = values.template ?? 'qa';
      if (!KINDS.has(kind)) throw new LatheError('INVALID_ARGUMENTS', `There is no template "${kind}".`, 'Use --template qa, chat, summary, extraction or classification.');
      const template: TemplateInput = { kind: kind as TemplateInput['kind'], ...(values['prompt-file'] ? { prompt: fs.readFileSync(values['prompt-file'], 'utf8') } : {}) };
      const modelId = await resolveGgufModelId(engine, values.model);
      const adapterId = values.adapter ? await resolveGgufModelId(engine, values.adapter, 'adapter') : undefined;
      const pages = values.pages ? /^(\d+)(?:-(\d+))?$/.exec(values.pages) : null;
      if (values.pages && !pages) throw new LatheError('INVALID_ARGUMENTS', `--pages "${values.pages}" is not a page range.`, 'Write it as 3-7 (or 5 for one page).');
      const filter = {
        ...(values.containing ? { text: values.containing } : {}),
        ...(values.document ? { document: values.document } : {}),
        ...(pages ? { pages: [Number(pages[1]), Number(pages[2] ?? pages[1])] as [number, number] } : {}),
      };
      const temperature = values.temperature === undefined ? 0.7 : Number(values.temperature);
      jobId = (
        await engine.call('synthetic.start', {
          sourceVersionId: resolveRecordId(engine, 'dataset version', values.version),
          modelId,
          ...(adapterId ? { adapterIds: [adapterId] } : {}),
          ...(Object.keys(filter).length ? { filter } : {}),
          template,
          sampling: { temperature, maxTokens: intFlag(values['max-tokens'], 'max-tokens', 256), seed: intFlag(values.seed, 'seed', 0) },
          ...(values.chunks ? { chunkLimit: intFlag(values.chunks, 'chunks', 1) } : {}),
          parallel: intFlag(values.parallel, 'parallel', 4),
          perChunk: intFlag(values['per-chunk'], 'per-chunk', 1),
        })
      ).jobId;
    }
    process.stderr.write(`job ${jobId}\n`);
    const end = await new Promise<string>((resolve) => {
      const onInt = () => void engine.call('synthetic.cancel', { jobId });
      process.once('SIGINT', onInt);
      engine.ctx.events.listen('job.progress', (p) => {
        if (p.jobId !== jobId) return;
        process.stderr.write(`${p.message}\n`);
        if (p.state !== 'running') {
          process.off('SIGINT', onInt);
          resolve(p.state);
        }
      });
    });
    const job = await engine.call('synthetic.status', { jobId });
    if (end === 'done' && job.targetVersionId) process.stdout.write(`${job.targetVersionId}\n`);
    if (end === 'cancelled') process.stderr.write(`Resume with: lathe generate --resume ${jobId}\n`);
    return end === 'done' ? 0 : 1;
  } finally {
    await engine.dispose();
  }
}
