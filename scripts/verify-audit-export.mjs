#!/usr/bin/env node
// Verifies a Lathe audit export (the .json file) with nothing but Node.js: no Lathe, no database, no packages.
// Usage: node verify-audit-export.mjs audit.json
// Each entry's sha256 is recomputed from its fields (the recipe is in the file's "hashRecipe"), and each link to
// the previous entry is checked where the sequence is consecutive. Exit code 0: intact; 1: broken; 2: unreadable.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('Usage: node verify-audit-export.mjs AUDIT_EXPORT.json');
  process.exit(2);
}
let doc;
try {
  doc = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`Cannot read ${file} as JSON: ${err.message}`);
  process.exit(2);
}
if (doc.format !== 'lathe-audit-export' || !Array.isArray(doc.entries)) {
  console.error(`${file} is not a Lathe audit export.`);
  process.exit(2);
}
const genesis = '0'.repeat(64);
let prev = null;
let gaps = 0;
for (const e of doc.entries) {
  const fail = (reason) => {
    console.log(`BROKEN at entry #${e.seq}: ${reason}.`);
    process.exit(1);
  };
  if (prev && e.seq <= prev.seq) fail(`it comes after #${prev.seq} (rows reordered or duplicated)`);
  const canonical = JSON.stringify([e.seq, e.at, e.actor, e.action, e.objectType, e.objectId, e.details, e.prevHash]);
  if (createHash('sha256').update(canonical, 'utf8').digest('hex') !== e.hash) fail('its content does not match its hash (the entry was changed)');
  const linked = prev ? prev.seq + 1 === e.seq : e.seq === 1;
  if (linked && e.prevHash !== (prev ? prev.hash : genesis)) fail('its link to the previous entry does not match (an entry before it was replaced)');
  if (!linked && doc.complete === true) fail(`the export is complete but entry #${prev ? prev.seq + 1 : 1} is missing (an entry was removed)`);
  if (!linked) gaps++;
  prev = e;
}
if (typeof doc.count === 'number' && doc.count !== doc.entries.length) {
  console.log(`BROKEN: the file says it holds ${doc.count} entries but has ${doc.entries.length} (entries were removed or added).`);
  process.exit(1);
}
console.log(`OK: ${doc.entries.length} entries verified${gaps === 0 ? ', an unbroken chain from #1' : `; ${gaps} gap(s) in the sequence (a filtered export: links across a gap are not checked)`}.`);
