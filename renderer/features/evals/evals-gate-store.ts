import type { GateCheck, GateCriterion, Release } from '../../../src/shared/contract/features/evals.js';
import type { ArgsOf, ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { useRequest } from '../../stores/use-request.js';
import { listExports } from '../exports/exports-store.js';
import { useAnswerOrNull } from './evals-store.js';
/* The release gate: its criteria and two-person rule, the check of a candidate, release, override and the report. */

/** What the gate is asked about: the candidate (or an exported file of it) against the baseline. */
export type GateTarget = ArgsOf<'gate.check'>;
export type Gate = ResultOf<'gate.get'>;
export type ReleaseReport = ResultOf<'reports.release'>;

/** An exported GGUF file the decision can approve instead of the registry model. */
export interface ShipChoice {
  exportId: string;
  file: string;
}

/** The project's criteria, two-person rule and release decisions. */
export async function loadGate(): Promise<Gate> {
  return getClient().send('gate.get', {});
}

/** Replaces the criteria and, when given, turns the two-person rule on or off. */
export async function setGate(criteria: GateCriterion[], twoPersonRule?: boolean): Promise<ResultOf<'gate.set'>> {
  return getClient().send('gate.set', { criteria, ...(twoPersonRule === undefined ? {} : { twoPersonRule }) });
}

/** Adds criteria to the project's, leaving out a kind it already has. */
export async function addGateCriteria(add: GateCriterion[]): Promise<void> {
  const { criteria } = await loadGate();
  await setGate([...criteria, ...add.filter((a) => !criteria.some((c) => c.kind === a.kind))]);
}

/**
 * The gate's decision on the target (null without one, or when the check failed); asked again whenever any of
 * `refreshOn` changes (the picked evals, the criteria, an eval finishing).
 */
export function useGateCheck(target: GateTarget | null, refreshOn: unknown[]): GateCheck | null {
  return useAnswerOrNull(target ? () => getClient().send('gate.check', target) : null, refreshOn);
}

/** Releases a candidate that passes the gate, signed by the reviewer with what the approval means. */
export async function releaseCandidate(args: ArgsOf<'gate.release'>): Promise<Release> {
  const { release } = await getClient().send('gate.release', args);
  return release;
}

/** Releases a candidate that does not pass, with the reviewer's written reason. */
export async function overrideGate(args: ArgsOf<'gate.override'>): Promise<void> {
  await getClient().send('gate.override', args);
}

/** Writes a release's report (HTML and PDF, hashed and audited) and returns both with their content. */
export async function writeReleaseReport(releaseId: string): Promise<ReleaseReport> {
  return getClient().send('reports.release', { releaseId, includeContent: true });
}

/** The GGUF files of draft exports, which a release can ship; none when the exports cannot be listed. */
export function useShipOptions(): Array<ShipChoice & { label: string }> {
  const { value } = useRequest(async () => {
    const exports = await listExports();
    return exports.filter((e) => e.status === 'draft').flatMap((e) => e.files.filter((f) => f.path.toLowerCase().endsWith('.gguf')).map((f) => ({ exportId: e.id, file: f.path, label: `${e.name} · ${f.path}` })));
  }, []);
  return value ?? [];
}
