import type { HandlerName } from './index.js';
import type { Permission } from './roles.js';

/**
 * Team mode's access rules (issue 15), in one place: the permission each contract handler needs, the roles and what
 * they hold, and which arguments of a handler are paths on the engine's machine. The engine checks both before a
 * handler runs (src/engine/auth/access.ts); `permissions.test.ts` fails when a handler has no entry here, and when a
 * handler's arguments gain a path-like field that is not declared.
 */

export { PERMISSIONS, ROLES, ROLE_PERMISSIONS, roleHas, type Permission, type Role } from './roles.js';

export interface HandlerAccess {
  /** The permission a caller's role must hold. */
  needs: Permission;
  /**
   * Arguments that name a file or folder on the engine's machine, as dotted paths into the arguments (`filter.tokenizerPath`).
   * Where the engine restricts file access (browser and team mode with --allow-dir), each is resolved (symbolic links,
   * `..`) and must lie inside an allowed root.
   */
  paths?: readonly string[];
}

/** Every handler's access rule. `satisfies Record<HandlerName, …>`: a handler added to the contract without one does not compile. */
export const HANDLER_ACCESS = {
  'app.info': { needs: 'read' },
  'app.ping': { needs: 'read' },
  'app.firstSteps': { needs: 'read' },
  'auth.whoami': { needs: 'read' },
  'doctor.report': { needs: 'read' },
  'doctor.trainerEnv': { needs: 'read' },
  'doctor.setupTrainerEnv': { needs: 'admin' },

  'audit.list': { needs: 'read' },
  'audit.facets': { needs: 'read' },
  'audit.export': { needs: 'read' },
  'audit.verify': { needs: 'read' },

  'datasets.list': { needs: 'read' },
  'datasets.detect': { needs: 'curate', paths: ['path'] },
  'datasets.import': { needs: 'curate', paths: ['path'] },
  'datasets.importDocuments': { needs: 'curate', paths: ['path', 'tokenizerPath'] },
  'datasets.previewDocuments': { needs: 'curate', paths: ['path', 'tokenizerPath'] },
  'datasets.versions': { needs: 'read' },
  'datasets.examples': { needs: 'read' },
  'datasets.curate': { needs: 'curate' },
  'datasets.piiScan': { needs: 'read' },
  'datasets.nearDuplicates': { needs: 'read' },
  'datasets.search': { needs: 'read' },
  'datasets.diff': { needs: 'read' },
  'datasets.diffExamples': { needs: 'read' },
  'datasets.export': { needs: 'curate', paths: ['path'] },
  'datasets.stats': { needs: 'read', paths: ['tokenizerPath'] },
  'datasets.filter': { needs: 'curate', paths: ['filter.tokenizerPath'] },
  'jobs.list': { needs: 'read' },
  'jobs.cancel': { needs: 'train' }, // any job: an import, an export, a training run

  'reviews.act': { needs: 'label' },
  'reviews.undo': { needs: 'label' },
  'reviews.history': { needs: 'read' },
  'reviews.examples': { needs: 'read' },
  'reviews.summary': { needs: 'read' },
  'reviews.disagreements': { needs: 'read' },
  'reviews.agreement': { needs: 'read' },
  'reviews.assign': { needs: 'curate' },
  'reviews.adjudicate': { needs: 'curate' },
  'reviews.assignments': { needs: 'read' },
  'reviews.makeVersion': { needs: 'curate' },

  'recipes.create': { needs: 'curate', paths: ['tokenizerPath'] },
  'recipes.list': { needs: 'read' },
  'recipes.get': { needs: 'read' },

  'runs.start': { needs: 'train', paths: ['baseModelDir'] },
  'runs.list': { needs: 'read' },
  'runs.get': { needs: 'read' },
  'runs.metrics': { needs: 'read' },
  'runs.stop': { needs: 'train' },
  'runs.cancel': { needs: 'train' },
  'runs.retry': { needs: 'train' },
  'runs.reproduce': { needs: 'train' },
  'runs.estimate': { needs: 'train', paths: ['baseModelDir'] },
  'runs.preset': { needs: 'read' },
  'runs.resume': { needs: 'train' },
  'datasets.approveVersion': { needs: 'approve' },
  'datasets.approvals': { needs: 'read' },
  'targets.list': { needs: 'read' },
  'targets.add': { needs: 'admin', paths: ['identityFile'] },
  'targets.test': { needs: 'train' },
  'targets.remove': { needs: 'admin' },

  'models.list': { needs: 'read' },
  'models.get': { needs: 'read' },
  'models.inspect': { needs: 'train', paths: ['path'] },
  'models.import': { needs: 'train', paths: ['path'] },
  'models.convert': { needs: 'train' },
  'exports.create': { needs: 'train' },
  'exports.list': { needs: 'read' },
  'exports.download': { needs: 'read' },
  'exports.reveal': { needs: 'read' },

  'playground.models': { needs: 'read' },
  'playground.chat': { needs: 'label' },
  'playground.cancel': { needs: 'label' },
  'playground.conversations': { needs: 'read' },
  'playground.conversation': { needs: 'read' },
  'playground.deleteConversation': { needs: 'label' },
  'playground.saveCorrection': { needs: 'label' },
  'playground.unload': { needs: 'train' },

  'serving.start': { needs: 'admin' },
  'serving.stop': { needs: 'admin' },
  'serving.status': { needs: 'admin' },

  'evals.start': { needs: 'train' },
  'evals.list': { needs: 'read' },
  'evals.get': { needs: 'read' },
  'evals.items': { needs: 'read' },
  'evals.judge': { needs: 'train' },
  'evals.judgings': { needs: 'read' },
  'evals.judgeWinRate': { needs: 'read' },
  'evals.quantCost': { needs: 'read' },
  'evals.taskReport': { needs: 'read' },
  'evals.compare': { needs: 'read' },
  'evals.contamination': { needs: 'read' },
  'evals.suites': { needs: 'read' },
  'evals.installSuite': { needs: 'train' },
  'evals.forgetting': { needs: 'read' },
  'evals.safety': { needs: 'read' },
  'evals.safetyPolicy': { needs: 'read' },
  'evals.setSafetyPolicy': { needs: 'approve' },
  'evals.buildCanaries': { needs: 'train' },
  'evals.seedCanaries': { needs: 'curate' },
  'evals.checkCanaries': { needs: 'train' },
  'evals.perplexity': { needs: 'train' },
  'evals.perplexityResults': { needs: 'read' },

  'gate.get': { needs: 'read' },
  'gate.set': { needs: 'approve' },
  'gate.check': { needs: 'read' },
  'gate.release': { needs: 'approve' },
  'gate.override': { needs: 'approve' },

  'synthetic.templates': { needs: 'read' },
  'synthetic.preview': { needs: 'curate' },
  'synthetic.estimate': { needs: 'read' },
  'synthetic.start': { needs: 'curate' },
  'synthetic.resume': { needs: 'curate' },
  'synthetic.cancel': { needs: 'curate' },
  'synthetic.status': { needs: 'read' },
  'synthetic.list': { needs: 'read' },
  'synthetic.item': { needs: 'read' },

  'reports.release': { needs: 'approve' },

  'prefs.create': { needs: 'train' },
  'prefs.list': { needs: 'read' },
  'prefs.next': { needs: 'label' },
  'prefs.judge': { needs: 'label' },
  'prefs.feedback': { needs: 'read' },
  'prefs.makeDataset': { needs: 'curate' },
  'prefs.results': { needs: 'label' },

  'lineage.get': { needs: 'read' },
  'files.listFolder': { needs: 'curate', paths: ['path'] },
} as const satisfies Record<HandlerName, HandlerAccess>;

/** The access rule of a handler; undefined for a name the contract does not have. */
export function handlerAccess(name: string): HandlerAccess | undefined {
  return Object.prototype.hasOwnProperty.call(HANDLER_ACCESS, name) ? (HANDLER_ACCESS as Record<string, HandlerAccess>)[name] : undefined;
}
