import fs from 'node:fs';
import type { HandlerImpls } from '../../shared/contract/index.js';
import type { EngineContext } from '../context.js';
import { auditObjectNames, auditQueries } from '../db/queries/audit.js';
import { requireDb } from '../require-db.js';
import { writeAuditExport } from './audit-export.js';

const MAX_INLINE_BYTES = 64 * 1024 * 1024;

export function auditHandlers(ctx: EngineContext): Pick<HandlerImpls, 'audit.list' | 'audit.verify' | 'audit.facets' | 'audit.export'> {
  return {
    'audit.list': async ({ limit, beforeSeq, ...filter }) => {
      const { db, audit } = requireDb(ctx);
      const page = audit.list(limit, beforeSeq, filter);
      return { ...page, names: auditObjectNames(db, page.entries) };
    },
    'audit.verify': async () => requireDb(ctx).audit.verify(),
    'audit.facets': async () => auditQueries(requireDb(ctx).db).facets(),
    'audit.export': async ({ format, includeContent, ...filter }) => {
      const { db, audit } = requireDb(ctx);
      const result = writeAuditExport(db, ctx.dataDir, format, filter);
      // The export is itself recorded (after the file is written, so the file does not contain its own entry).
      ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'audit.export', objectType: 'audit', objectId: null, details: { ...result, filter } }));
      const content = includeContent && result.bytes <= MAX_INLINE_BYTES ? fs.readFileSync(result.path, 'utf8') : null;
      return { ...result, content };
    },
  };
}
