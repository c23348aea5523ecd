import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { openDatabase } from '../db/connection.js';
import { playgroundQueries } from '../db/queries/playground.js';

/** Migration 007 and the conversation queries on a real SQLite file. */
describe('conversation store (migration 007)', () => {
  const now = '2026-11-28T00:00:00.000Z';
  const conversation = { id: 'c1', title: 'Hi', mode: 'single' as const, system: '', settings: '{}', targets: '[]', created_at: now, updated_at: now, created_by: 't' };
  const message = (id: string, lane: 0 | 1 | null, role: 'user' | 'assistant') => ({ id, conversation_id: 'c1', lane, role, content: id, model_id: null, adapter_ids: '[]', stats: null, corrected_version_id: null, created_at: now });

  it('orders messages by a per-conversation sequence and deletes them with their conversation', () => {
    const { db } = openDatabase(tempDir());
    const q = playgroundQueries(db);
    q.insertConversation(conversation);
    expect(q.appendMessage(message('m0', null, 'user')).seq).toBe(0);
    expect(q.appendMessage(message('m1', 0, 'assistant')).seq).toBe(1);
    expect(q.appendMessage(message('m2', 1, 'assistant')).seq).toBe(2);
    expect(q.messages('c1').map((m) => m.id)).toEqual(['m0', 'm1', 'm2']);
    expect(q.list(10)[0]).toMatchObject({ id: 'c1', messages: 3 });
    expect(q.remove('c1')).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM conversation_messages').get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses rows that break the schema (STRICT, CHECKs, foreign keys)', () => {
    const { db } = openDatabase(tempDir());
    const q = playgroundQueries(db);
    expect(() => q.insertConversation({ ...conversation, mode: 'three-way' as never })).toThrow(/CHECK/);
    q.insertConversation(conversation);
    expect(() => q.appendMessage({ ...message('x', 2 as never, 'assistant') })).toThrow(/CHECK/);
    expect(() => q.appendMessage({ ...message('y', null, 'system' as never) })).toThrow(/CHECK/);
    expect(() => q.appendMessage({ ...message('z', null, 'user'), conversation_id: 'missing' })).toThrow(/FOREIGN KEY/);
    expect(() => q.markCorrected('x', 'no-such-version')).not.toThrow(); // no row matched: nothing changed
    q.appendMessage(message('m', 0, 'assistant'));
    expect(() => q.markCorrected('m', 'no-such-version')).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
