import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { ChatMessage, ExampleContent } from '../../shared/contract/features/datasets.js';
import { datasetQueries } from '../db/queries/datasets.js';
import { playgroundQueries } from '../db/queries/playground.js';
import { exampleHash, serializeExample } from '../datasets/content-hash.js';
import { versionRows, writeDerivedVersion } from '../datasets/version-writer.js';

/**
 * The correction loop: a model's answer, edited into the right one, becomes a chat example (system prompt,
 * the lane's earlier turns, the user message, the corrected answer) appended to a NEW version of the chosen
 * dataset. The parent version is untouched; the new one records where the example came from.
 */
export function saveCorrection(db: Database.Database, args: { conversationId: string; messageId: string; correctedText: string; datasetId: string }, actor: string) {
  const pq = playgroundQueries(db);
  const dq = datasetQueries(db);
  const conversation = pq.get(args.conversationId);
  if (!conversation) throw new LatheError('NOT_FOUND', `There is no conversation ${args.conversationId}.`, 'Reload the playground; the conversation may have been deleted.');
  const messages = pq.messages(conversation.id);
  const target = messages.find((m) => m.id === args.messageId);
  if (!target) throw new LatheError('NOT_FOUND', `The message ${args.messageId} is not in this conversation.`, 'Reload the conversation and pick the answer again.');
  if (target.role !== 'assistant') throw new LatheError('INVALID_ARGUMENTS', 'Only a model’s answer can be corrected.', 'Pick an answer (not your own message) to correct.');
  const dataset = dq.datasetById(args.datasetId);
  if (!dataset) throw new LatheError('NOT_FOUND', `There is no dataset ${args.datasetId}.`, 'Pick a dataset from the list, or import one on the Datasets page.');
  if (dataset.kind !== 'task') throw new LatheError('INVALID_ARGUMENTS', `"${dataset.name}" is a documents dataset; a corrected answer is a chat example.`, 'Pick a task (chat) dataset.');
  const parent = dq.latestVersion(dataset.id);
  if (!parent) throw new LatheError('NOT_FOUND', `The dataset "${dataset.name}" has no version yet.`, 'Import data into it first.');

  const turns: ChatMessage[] = [];
  if (conversation.system) turns.push({ role: 'system', content: conversation.system });
  for (const m of messages) {
    if (m.seq >= target.seq) break;
    if (m.lane === null || m.lane === target.lane) turns.push({ role: m.role, content: m.content });
  }
  turns.push({ role: 'assistant', content: args.correctedText });
  const content: ExampleContent = { kind: 'chat', messages: turns };
  const text = serializeExample(content);
  const hash = exampleHash(text);
  // A split parent gets the example in train: corrections teach, they are not held-out evidence.
  const parentIsSplit = parent.example_count > 0 && versionRows(db, parent, 1).next().value?.split != null;
  const source = `playground:${conversation.id}:${target.id}`;
  const rows = (function* () {
    for (const r of versionRows(db, parent)) yield { hash: r.content_hash, text: r.content, source: r.source, split: r.split };
    yield { hash, text, source, split: parentIsSplit ? 'train' : null };
  })();
  const { version, audit } = writeDerivedVersion(db, parent, rows, {
    operation: 'playground-correction',
    params: { conversationId: conversation.id, messageId: target.id, exampleHash: hash, originalAnswer: target.content, modelId: target.model_id, adapterIds: JSON.parse(target.adapter_ids) as unknown },
    actor,
    auditAction: 'dataset.correction',
    auditDetails: { dataset: dataset.name },
  });
  pq.markCorrected(target.id, version.id);
  return { result: { datasetId: dataset.id, datasetName: dataset.name, versionId: version.id, versionNumber: version.number, exampleCount: version.example_count }, audit };
}
