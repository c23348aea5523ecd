import { ftsQuery } from './fts-query.js';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { HandlerImpls } from '../../shared/contract/index.js';
import { exampleContentSchema } from '../../shared/contract/features/datasets.js';
import type { EngineContext } from '../context.js';
import { datasetQueries, type ExamplePageRow } from '../db/queries/datasets.js';
import { reviewQueries } from '../db/queries/review.js';
import { requireDb } from '../require-db.js';
import { diffExamples, diffVersions } from './version-diff.js';
import { runVersionOp } from './run-version-op.js';
import { detectImport } from './detect.js';
import { isArchive } from './archive/archive-source.js';
import { listDocuments } from './documents.js';
import { previewDocuments } from './documents/preview.js';
import { resolveTokenizerFile } from './documents/tokenizer.js';
import { LatheError } from '../../shared/contract/errors.js';
import { runImportJob } from './run-import-job.js';
import { toVersion } from './version-view.js';
import { expandHome } from '../paths.js';
import { approvalsOf, approveVersion } from './version-approval.js';

type DatasetImpls = Pick<HandlerImpls, 'datasets.list' | 'datasets.detect' | 'datasets.import' | 'datasets.importDocuments' | 'datasets.previewDocuments' | 'datasets.versions' | 'datasets.examples' | 'datasets.curate' | 'datasets.piiScan' | 'datasets.nearDuplicates' | 'datasets.search' | 'datasets.diff' | 'datasets.diffExamples' | 'datasets.approveVersion' | 'datasets.approvals'>;

export function datasetHandlers(ctx: EngineContext): DatasetImpls {
  const q = () => datasetQueries(requireDb(ctx).db);
  return {
    'datasets.approveVersion': async ({ versionId, note, password }) => ({ approvals: await approveVersion(ctx, versionId, note, password) }),
    'datasets.approvals': async ({ versionId }) => ({ approvals: approvalsOf(requireDb(ctx).db, versionId) }),
    'datasets.list': async () => ({
      datasets: q()
        .list()
        .map((d) => {
          const v = q().latestVersion(d.id);
          return {
            id: d.id,
            name: d.name,
            kind: d.kind,
            createdAt: d.created_at,
            latestVersion: v ? { id: v.id, number: v.number, exampleCount: v.example_count, contentHash: v.content_hash, createdAt: v.created_at } : null,
          };
        }),
    }),

    'datasets.detect': (args) => detectImport(expandHome(args.path), args),

    'datasets.import': async (input) => {
      requireDb(ctx);
      const args = { ...input, path: expandHome(input.path) };
      const detection = await detectImport(args.path, args);
      return runImportJob(ctx, args.jobId, {
        importId: randomUUID(),
        path: path.resolve(args.path),
        datasetName: args.datasetName,
        fileType: detection.fileType,
        encoding: detection.encoding,
        format: detection.format,
        mapping: detection.mapping,
        onError: args.onError,
        actor: ctx.actor,
        rejectsDir: path.join(ctx.dataDir, 'imports'),
      });
    },

    'datasets.importDocuments': async (input) => {
      requireDb(ctx);
      const args = { ...input, path: expandHome(input.path), ...(input.tokenizerPath ? { tokenizerPath: expandHome(input.tokenizerPath) } : {}) };
      if (!isArchive(args.path)) listDocuments(args.path); // a clear error before any worker starts
      if (args.overlap >= args.chunkSize) throw new LatheError('INVALID_ARGUMENTS', 'The overlap must be smaller than the chunk.', 'Use an overlap of about a tenth of the chunk size.');
      const tokenizerPath = args.tokenizerPath ? resolveTokenizerFile(args.tokenizerPath) : null;
      return runImportJob(ctx, args.jobId, {
        importId: randomUUID(),
        path: path.resolve(args.path),
        datasetName: args.datasetName,
        fileType: 'documents',
        chunk: { size: args.chunkSize, overlap: args.overlap, tokenizerPath },
        encoding: 'utf-8',
        format: 'text',
        mapping: { text: 'text' },
        onError: args.onError,
        actor: ctx.actor,
        rejectsDir: path.join(ctx.dataDir, 'imports'),
      });
    },

    'datasets.previewDocuments': async (args) =>
      previewDocuments(expandHome(args.path), { size: args.chunkSize, overlap: args.overlap, tokenizerPath: args.tokenizerPath ? expandHome(args.tokenizerPath) : null }, args.limit),

    'datasets.versions': async ({ datasetId }) => ({ versions: q().versions(datasetId).map(toVersion) }),

    'datasets.examples': async ({ versionId, offset, limit, split }) => {
      const queries = q();
      if (split) {
        const rq = reviewQueries(requireDb(ctx).db);
        return { total: rq.filteredCount(versionId, { split }), examples: [...rq.filtered(versionId, { split }, { offset, limit })].map(toExample) };
      }
      return {
        total: queries.countExamples(versionId),
        examples: queries.page(versionId, offset, limit).map(toExample),
      };
    },

    'datasets.curate': async ({ versionId, operation }) => {
      const { version, removed, changed, resplit, audit } = await runVersionOp(ctx, 'curate', { versionId, operation, actor: ctx.actor }, () => null);
      ctx.events.emit('audit.appended', audit);
      return { version: toVersion(version), removed, changed, resplit };
    },

    'datasets.piiScan': async ({ versionId, customPatterns, limit }) => runVersionOp(ctx, 'piiScan', { versionId, customPatterns, limit }, () => null),

    'datasets.nearDuplicates': async ({ versionId, threshold, limit }) => runVersionOp(ctx, 'nearDuplicates', { versionId, threshold, limit }, () => null),

    'datasets.search': async ({ versionId, query, limit }) => {
      const notYetSearchable = await ctx.searchIndex.ready();
      return { examples: q().search(ftsQuery(query), versionId, limit).map(toExample).sort((a, b) => a.position - b.position), notYetSearchable };
    },

    'datasets.diff': async ({ fromVersionId, toVersionId }) => diffVersions(requireDb(ctx).db, fromVersionId, toVersionId),

    'datasets.diffExamples': async (args) => diffExamples(requireDb(ctx).db, args),

  };
}

function toExample(r: ExamplePageRow) {
  return { position: r.position, contentHash: r.content_hash, content: exampleContentSchema.parse(JSON.parse(r.content)), source: r.source, split: r.split };
}

export { ftsQuery };
