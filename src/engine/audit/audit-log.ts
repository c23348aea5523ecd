import type Database from 'better-sqlite3';
import type { AuditEntry, AuditVerifyResult } from '../../shared/contract/index.js';
import { auditQueries, type AuditFilter, type AuditRow } from '../db/queries/audit.js';
import { auditEntryHash, canonicalJson, GENESIS_HASH } from './audit-hash.js';
import { readWitness, WITNESS_FILE, witnessPath, writeWitness } from './audit-witness.js';

export interface AuditRecord {
  actor: string;
  action: string;
  objectType: string;
  objectId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Appends to and verifies the hash-chained audit log. Appends run in an IMMEDIATE transaction so two
 * processes sharing the data folder cannot both take the same sequence number.
 */
export class AuditLog {
  private readonly q;
  private readonly appendTx;
  private readonly witness: string | null;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.q = auditQueries(db);
    this.witness = witnessPath(db);
    this.appendTx = db.transaction((record: AuditRecord): AuditEntry => {
      const last = this.q.last();
      const row: Omit<AuditRow, 'hash'> = {
        seq: (last?.seq ?? 0) + 1,
        at: this.now().toISOString(),
        actor: record.actor,
        action: record.action,
        object_type: record.objectType,
        object_id: record.objectId ?? null,
        details: canonicalJson(record.details ?? {}),
        prev_hash: last?.hash ?? GENESIS_HASH,
      };
      const hash = auditEntryHash(toHashed(row));
      this.q.insert({ ...row, hash });
      return toEntry({ ...row, hash });
    });
  }

  append(record: AuditRecord): AuditEntry {
    const entry = this.appendTx.immediate(record);
    // Inside a caller's transaction the entry is not committed yet (it may still roll back, e.g. on a full disk):
    // the witness then waits for the next append made outside one, and lags meanwhile (verify accepts a lag).
    if (!this.db.inTransaction) this.recordHead({ seq: entry.seq, hash: entry.hash, at: entry.at });
    return entry;
  }

  /** Brings the witness up to the newest committed entry (the engine calls this after every writing request, so
   * entries appended inside a caller's transaction, or by a worker's connection, are anchored too). */
  syncWitness(): void {
    if (!this.witness || this.db.inTransaction) return;
    const last = this.q.lastEntry();
    if (last) this.recordHead(last);
  }

  private recordHead(head: { seq: number; hash: string; at: string }): void {
    if (!this.witness) return;
    try {
      writeWitness(this.witness, head);
    } catch (err) {
      // The entry is committed; a lagging witness is accepted by verify (behind, not contradicted).
      process.stderr.write(`[lathe] could not update ${this.witness}: ${(err as Error).message}\n`);
    }
  }

  /** The newest entry (seq + hash), or null for an empty log: what exports and release notes embed. */
  head(): { seq: number; hash: string } | null {
    const last = this.q.last();
    return last ? { seq: last.seq, hash: last.hash } : null;
  }

  /** Newest first; `filter` is an action prefix or a full filter (actor, object, time range, text). */
  list(limit: number, beforeSeq: number | undefined, filter: string | AuditFilter = ''): { entries: AuditEntry[]; total: number } {
    const f = typeof filter === 'string' ? { actionPrefix: filter } : filter;
    const rows = this.q.filteredPage(f, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit);
    return { entries: rows.map(toEntry), total: this.q.filteredCount(f) };
  }

  /** Walks the chain from the first entry, names the first entry whose hash or link does not hold, then checks
   * the table still holds the head the witness file recorded (a cut-off or re-hashed tail). */
  verify(): AuditVerifyResult {
    const chain = this.verifyChain();
    if (!chain.ok || !this.witness) return chain;
    const w = readWitness(this.witness);
    if (w === 'missing' && chain.checked === 0) return chain; // an empty log: nothing to anchor yet
    if (w === 'missing' || w === 'unreadable') {
      // No head outside the table to hold it to: a log with entries should have one (since this version).
      return { ...chain, witness: { status: w, seq: null, hash: null } };
    }
    const row = this.q.bySeq(w.seq);
    if (row && row.hash === w.hash) return { ...chain, witness: { status: 'matches', seq: w.seq, hash: w.hash } };
    const reason = row
      ? `entry #${w.seq}'s hash differs from the one ${WITNESS_FILE} recorded when it was written: the chain was rewritten from there on`
      : `the log ends at #${chain.checked} but ${WITNESS_FILE} recorded entry #${w.seq}: entries were removed from the end`;
    return {
      ok: false, checked: chain.checked, witness: { status: 'contradicted', seq: w.seq, hash: w.hash },
      firstBroken: { seq: row ? w.seq : chain.checked + 1, at: row?.at ?? w.at, action: row?.action ?? '(removed)', reason },
    };
  }

  private verifyChain(): AuditVerifyResult {
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let checked = 0;
    for (const row of this.q.iterate()) {
      const broken = (reason: string): AuditVerifyResult => ({
        ok: false,
        checked,
        firstBroken: { seq: row.seq, at: row.at, action: row.action, reason },
      });
      if (row.seq !== expectedSeq) {
        return broken(`expected entry #${expectedSeq} next but found #${row.seq}: an entry was removed`);
      }
      if (row.prev_hash !== prevHash) {
        return broken('its link to the previous entry does not match: an earlier entry was replaced');
      }
      if (auditEntryHash(toHashed(row)) !== row.hash) {
        return broken('its content does not match its hash: the entry was changed after it was written');
      }
      prevHash = row.hash;
      expectedSeq += 1;
      checked += 1;
    }
    return { ok: true, checked, firstBroken: null };
  }
}

export function toHashed(row: Omit<AuditRow, 'hash'>) {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    details: row.details,
    prevHash: row.prev_hash,
  };
}

function toEntry(row: AuditRow): AuditEntry {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(row.details) as Record<string, unknown>;
  } catch {
    details = { unparsable: row.details };
  }
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
