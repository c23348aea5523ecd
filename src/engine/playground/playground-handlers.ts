import type { HandlerImpls } from '../../shared/contract/index.js';
import { LatheError } from '../../shared/contract/errors.js';
import type { ConversationSummary } from '../../shared/contract/features/playground.js';
import { playgroundSettingsSchema } from '../../shared/contract/features/playground.js';
import type { EngineContext } from '../context.js';
import { playgroundQueries, type ConversationRow } from '../db/queries/playground.js';
import { requireDb } from '../require-db.js';
import { saveCorrection } from './correction.js';
import { PlaygroundChat, toMessage } from './playground-chat.js';
import { chatModels } from './targets.js';

type PlaygroundImpls = Pick<
  HandlerImpls,
  | 'playground.models' | 'playground.chat' | 'playground.cancel' | 'playground.conversations' | 'playground.conversation'
  | 'playground.deleteConversation' | 'playground.saveCorrection' | 'playground.unload'
>;

export function playgroundHandlers(ctx: EngineContext): PlaygroundImpls {
  const chat = new PlaygroundChat(ctx);
  return {
    'playground.models': async () => ({ models: chatModels(requireDb(ctx).db) }),
    'playground.chat': (args) => chat.chat(args),
    'playground.cancel': ({ requestId }) => chat.cancel(requestId),
    'playground.conversations': async ({ limit }) => ({ conversations: playgroundQueries(requireDb(ctx).db).list(limit).map((r) => summary(r, r.messages)) }),
    'playground.conversation': async ({ conversationId }) => {
      const q = playgroundQueries(requireDb(ctx).db);
      const row = q.get(conversationId);
      if (!row) throw new LatheError('NOT_FOUND', `There is no conversation ${conversationId}.`, 'Pick one from the history list.');
      const messages = q.messages(conversationId).map(toMessage);
      return { conversation: summary(row, messages.length), messages };
    },
    'playground.deleteConversation': async ({ conversationId }) => {
      const { db, audit } = requireDb(ctx);
      const deleted = db.transaction(() => {
        const row = playgroundQueries(db).get(conversationId);
        if (!playgroundQueries(db).remove(conversationId)) return false;
        const entry = audit.append({ actor: ctx.actor, action: 'playground.conversation.delete', objectType: 'conversation', objectId: conversationId, details: { title: row?.title ?? '' } });
        ctx.events.emit('audit.appended', entry);
        return true;
      }).immediate();
      return { deleted };
    },
    'playground.saveCorrection': async (args) => {
      const { result, audit } = saveCorrection(requireDb(ctx).db, args, ctx.actor);
      ctx.events.emit('audit.appended', audit);
      return result;
    },
    'playground.unload': async () => ctx.inference.client().send('inference.unloadAll', {}),
  };
}

function summary(row: ConversationRow, messageCount: number): ConversationSummary {
  return {
    id: row.id,
    title: row.title,
    mode: row.mode,
    system: row.system,
    settings: playgroundSettingsSchema.parse(JSON.parse(row.settings)),
    targets: JSON.parse(row.targets) as ConversationSummary['targets'],
    messageCount,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
