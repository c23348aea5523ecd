import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { expandHome } from '../paths.js';
import { requireDb } from '../require-db.js';
import { defaultExportPath } from './export.js';
import { runVersionOp } from './run-version-op.js';
import { TokenizerCache } from './token-count.js';
import { requireVersion } from './version-writer.js';
import { toVersion } from './version-view.js';

type Impls = Pick<HandlerImpls, 'datasets.export' | 'datasets.stats' | 'datasets.filter'>;

/** The handlers of `contract/features/dataset-export.ts`: export with a manifest, stats and filters of a finished version. */
export function datasetExportHandlers(ctx: EngineContext): Impls {
  const tokenizers = new TokenizerCache();
  const tokenizer = (p: string | undefined) => (p ? tokenizers.load(p) : null);
  return {
    'datasets.export': async (args) => {
      const d = requireDb(ctx).db;
      const version = requireVersion(d, args.versionId);
      const dataset = datasetQueries(d).datasetById(version.dataset_id)!;
      const outPath = args.path ? expandHome(args.path) : defaultExportPath(ctx.dataDir, dataset.name, version.number, args.format, args.split);
      const { manifest, path, manifestPath, audit } = await runVersionOp(ctx, 'export', { ...args, outPath, actor: ctx.actor }, tokenizer);
      ctx.events.emit('audit.appended', audit);
      return { path, manifestPath, manifest };
    },
    'datasets.stats': async ({ versionId, tokenizerPath, bins }) => runVersionOp(ctx, 'stats', { versionId, tokenizerPath: tokenizerPath ? expandHome(tokenizerPath) : undefined, bins }, tokenizer),
    'datasets.filter': async ({ versionId, filter }) => {
      const { version, audit, removed, reasons } = await runVersionOp(ctx, 'filter', { versionId, filter, actor: ctx.actor }, tokenizer);
      ctx.events.emit('audit.appended', audit);
      return { version: toVersion(version), removed, reasons };
    },
  };
}
