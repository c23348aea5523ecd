import type Database from 'better-sqlite3';

export interface ConversationRow {
  id: string; title: string; mode: 'single' | 'side-by-side'; system: string; settings: string; targets: string;
  created_at: string; updated_at: string; created_by: string;
}
export interface MessageRow {
  id: string; conversation_id: string; seq: number; lane: 0 | 1 | null; role: 'user' | 'assistant'; content: string;
  model_id: string | null; adapter_ids: string; stats: string | null; corrected_version_id: string | null; created_at: string;
}

/** All SQL on playground conversations and their messages. */
export function playgroundQueries(db: Database.Database) {
  const insertConversation = db.prepare<[ConversationRow]>(
    'INSERT INTO conversations VALUES (@id, @title, @mode, @system, @settings, @targets, @created_at, @updated_at, @created_by)',
  );
  const updateConversation = db.prepare<[{ id: string; system: string; settings: string; targets: string; mode: string; updated_at: string }]>(
    'UPDATE conversations SET system = @system, settings = @settings, targets = @targets, mode = @mode, updated_at = @updated_at WHERE id = @id',
  );
  const get = db.prepare<[string], ConversationRow>('SELECT * FROM conversations WHERE id = ?');
  const list = db.prepare<[number], ConversationRow & { messages: number }>(
    `SELECT c.*, (SELECT count(*) FROM conversation_messages m WHERE m.conversation_id = c.id) AS messages
       FROM conversations c ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?`,
  );
  const remove = db.prepare<[string]>('DELETE FROM conversations WHERE id = ?');
  const messages = db.prepare<[string], MessageRow>('SELECT * FROM conversation_messages WHERE conversation_id = ? ORDER BY seq');
  const message = db.prepare<[string], MessageRow>('SELECT * FROM conversation_messages WHERE id = ?');
  const nextSeq = db.prepare<[string], number>('SELECT coalesce(max(seq), -1) + 1 FROM conversation_messages WHERE conversation_id = ?').pluck();
  const insertMessage = db.prepare<[MessageRow]>(
    `INSERT INTO conversation_messages VALUES (@id, @conversation_id, @seq, @lane, @role, @content, @model_id, @adapter_ids, @stats,
     @corrected_version_id, @created_at)`,
  );
  const markCorrected = db.prepare<[string, string]>('UPDATE conversation_messages SET corrected_version_id = ? WHERE id = ?');
  return {
    insertConversation: (row: ConversationRow) => void insertConversation.run(row),
    updateConversation: (row: { id: string; system: string; settings: string; targets: string; mode: string; updated_at: string }) => void updateConversation.run(row),
    get: (id: string) => get.get(id),
    list: (limit: number) => list.all(limit),
    remove: (id: string) => remove.run(id).changes > 0,
    messages: (conversationId: string) => messages.all(conversationId),
    message: (id: string) => message.get(id),
    /** Appends a message at the end of its conversation (seq assigned here, inside the caller's transaction). */
    appendMessage: (row: Omit<MessageRow, 'seq'>) => {
      const full = { ...row, seq: nextSeq.get(row.conversation_id) as number };
      insertMessage.run(full);
      return full;
    },
    markCorrected: (messageId: string, versionId: string) => void markCorrected.run(versionId, messageId),
  };
}
