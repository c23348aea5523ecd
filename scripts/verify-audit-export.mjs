#!/usr/bin/env node
// Verifies a Lathe audit export (.json or .csv) with nothing but Node.js: no Lathe, no database, no packages.
// Usage: node verify-audit-export.mjs audit.json   (or audit.csv)
// Each entry's sha256 is recomputed from its fields (the recipe is in a JSON export's "hashRecipe"), and each link to
// the previous entry is checked where the sequence is consecutive. Exit code 0: intact; 1: broken; 2: unreadable.
// Keep in step with src/engine/audit/audit-hash.ts and audit-verify-export.ts (audit-export.test.ts checks they agree).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const COLUMNS = ['seq', 'at', 'actor', 'action', 'object_type', 'object_id', 'details', 'prev_hash', 'hash'];
const file = process.argv[2];
if (!file) unreadable('Usage: node verify-audit-export.mjs AUDIT_EXPORT.json|AUDIT_EXPORT.csv');

let text;
try {
  text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
} catch (err) {
  unreadable(`Cannot read ${file}: ${err.message}`);
}
const { entries, complete, count } = text.trimStart().startsWith('{') ? fromJson(text) : fromCsv(text);

const genesis = '0'.repeat(64);
let prev = null;
let gaps = 0;
for (const e of entries) {
  const fail = (reason) => broken(`BROKEN at entry #${e.seq}: ${reason}.`);
  if (!Number.isInteger(e.seq)) fail('its sequence number is not a whole number (the row was changed)');
  if (prev && e.seq <= prev.seq) fail(`it comes after #${prev.seq} (rows reordered or duplicated)`);
  const canonical = JSON.stringify([e.seq, e.at, e.actor, e.action, e.objectType, e.objectId, e.details, e.prevHash]);
  if (createHash('sha256').update(canonical, 'utf8').digest('hex') !== e.hash) fail('its content does not match its hash (the entry was changed)');
  const linked = prev ? prev.seq + 1 === e.seq : e.seq === 1;
  if (linked && e.prevHash !== (prev ? prev.hash : genesis)) fail('its link to the previous entry does not match (an entry before it was replaced)');
  if (!linked && complete) fail(`the export is complete but entry #${prev ? prev.seq + 1 : 1} is missing (an entry was removed)`);
  if (!linked) gaps++;
  prev = e;
}
if (count !== null && count !== entries.length) {
  broken(`BROKEN: the file says it holds ${count} entries but has ${entries.length} (entries were removed or added).`);
}
console.log(`OK: ${entries.length} entries verified${gaps === 0 ? ', an unbroken chain from #1' : `; ${gaps} gap(s) in the sequence (a filtered export: links across a gap are not checked)`}.`);

function fromJson(source) {
  let doc;
  try {
    doc = JSON.parse(source);
  } catch (err) {
    unreadable(`Cannot read ${file} as JSON: ${err.message}`);
  }
  if (doc.format !== 'lathe-audit-export' || !Array.isArray(doc.entries)) unreadable(`${file} is not a Lathe audit export.`);
  return { entries: doc.entries, complete: doc.complete === true, count: typeof doc.count === 'number' ? doc.count : null };
}

// A CSV export carries no header block, so it says nothing about completeness: it verifies entry by entry, and the
// chain from #1 wherever the sequence is consecutive (as `lathe audit verify-export` does).
function fromCsv(source) {
  const rows = parseCsv(source);
  const header = rows.shift();
  if (!header || header.join(',') !== COLUMNS.join(',')) unreadable(`${file} is neither a Lathe JSON export nor a CSV export with the header ${COLUMNS.join(',')}.`);
  const entries = rows.map((r, i) => {
    if (r.length !== COLUMNS.length) unreadable(`Row ${i + 2} of ${file} has ${r.length} fields, not ${COLUMNS.length}.`);
    const [seq, at, actor, action, objectType, objectId, details, prevHash, hash] = r;
    return { seq: Number(seq), at, actor, action, objectType, objectId: objectId === '' ? null : objectId, details, prevHash, hash };
  });
  return { entries, complete: false, count: null };
}

/** RFC 4180: fields may be quoted; inside quotes, "" is a quote and commas and line breaks are data. */
function parseCsv(source) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && source[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) unreadable(`${file} ends inside a quoted field (the file was cut short).`);
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function broken(message) {
  console.log(message);
  process.exit(1);
}

function unreadable(message) {
  console.error(message);
  process.exit(2);
}
