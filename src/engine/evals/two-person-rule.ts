import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { currentPrincipal } from '../auth/call-scope.js';
import type { EngineContext } from '../context.js';
import { evalQueries } from '../db/queries/evals.js';
import type { GateTarget } from './gate.js';

/**
 * The two-person rule of a project's release gate (issue 15): whoever made the candidate — started the run that trained
 * it or one of its adapters, or registered it when no run did — may not also release it. It compares the engine's
 * caller (in team mode the signed-in user, never a name the client sends) with the makers on record, so it can only be
 * met in team mode; outside it every action is the one local user's, and turning the rule on is refused there.
 */
export function twoPersonRuleOn(db: Database.Database, project: string): boolean {
  return evalQueries(db).getGate(project)?.two_person_rule === 1;
}

/**
 * Checks a change of the rule before anything is written: it needs team mode to be met, and only an admin may change
 * it (else an approver who trained a model could turn it off and release their own work).
 */
export function refuseRuleChange(ctx: EngineContext, db: Database.Database, project: string, wanted: boolean | undefined): void {
  if (wanted === undefined || wanted === twoPersonRuleOn(db, project)) return;
  const principal = currentPrincipal();
  if (principal && !principal.permissions.has('admin')) {
    throw new LatheError('FORBIDDEN', `Only an admin can turn the two-person rule ${wanted ? 'on' : 'off'}; ${principal.name} is ${principal.role === 'admin' ? 'an' : 'a'} ${principal.role}.`, 'Ask an admin to change the rule; the criteria were not changed.');
  }
  if (wanted && !ctx.team) {
    throw new LatheError(
      'INVALID_ARGUMENTS',
      `The two-person rule needs named users: here every action is ${ctx.actor}'s, so no one else could ever release.`,
      'Serve Lathe with `lathe serve --team` and turn the rule on there; the criteria were not changed.',
    );
  }
}

/** Refuses (audited, nothing else recorded) a release by someone who made the candidate, when the rule is on. */
export function refuseMakerAsReviewer(ctx: EngineContext, db: Database.Database, audit: AuditLog, project: string, candidate: GateTarget): void {
  if (!twoPersonRuleOn(db, project)) return;
  const q = evalQueries(db);
  const makers = [candidate.modelId, ...candidate.adapterIds].map((id) => ({ modelId: id, ...(q.makerOf(id) ?? { maker: null, run_id: null }) }));
  const mine = makers.filter((m) => m.maker === ctx.actor);
  if (!mine.length) return;
  ctx.events.emit('audit.appended', audit.append({ actor: ctx.actor, action: 'release.refuse', objectType: 'model', objectId: candidate.modelId, details: { project, candidate, rule: 'two-person', makers } }));
  const how = mine[0]!.run_id ? `started run ${mine[0]!.run_id.slice(0, 8)}, which trained it` : 'registered it';
  throw new LatheError(
    'FORBIDDEN',
    `The two-person rule of project "${project}" is on, and ${ctx.actor} ${how}: someone else must release it.`,
    'Ask another approver to review and release it. Nothing was recorded besides this refusal in the audit log.',
  );
}
