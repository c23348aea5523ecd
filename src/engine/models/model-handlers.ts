import { LatheError } from '../../shared/contract/errors.js';
import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { modelQueries } from '../db/queries/models.js';
import { requireDb } from '../require-db.js';
import { convertModel } from './model-convert.js';
import { importModel } from './model-import.js';
import { inspectModelPath } from './model-inspect.js';
import { toModelSummary } from './model-rows.js';

type ModelImpls = Pick<HandlerImpls, 'models.list' | 'models.get' | 'models.inspect' | 'models.import' | 'models.convert'>;

export function modelHandlers(ctx: EngineContext): ModelImpls {
  const q = () => modelQueries(requireDb(ctx).db);
  return {
    'models.list': async () => ({ models: q().list().map(toModelSummary) }),
    'models.get': async ({ modelId }) => {
      const row = q().get(modelId);
      if (!row) throw new LatheError('NOT_FOUND', `No model ${modelId}.`, 'Reload the model list; it may have been removed.');
      const parent = row.parent_id ? q().get(row.parent_id) : undefined;
      return { model: toModelSummary(row), parent: parent ? toModelSummary(parent) : null, children: q().children(modelId).map(toModelSummary) };
    },
    'models.inspect': async ({ path }) => inspectModelPath(path),
    'models.import': (args) => importModel(ctx, args),
    'models.convert': (args) => convertModel(ctx, args),
  };
}
