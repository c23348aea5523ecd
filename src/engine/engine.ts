import { modelQueries } from './db/queries/models.js';
import { markingCrashes } from './inference/crash-attribution.js';
import { diskFullError } from './disk-full.js';
import { reconcileExports } from './models/export-reconcile.js';
import { LatheError, toErrorData } from '../shared/contract/errors.js';
import type { FrameChannel } from '../shared/contract/frames.js';
import { handlerSpecs, type AppInfo, type ArgsOf, type HandlerImpls, type HandlerName, type ResultOf } from '../shared/contract/index.js';
import { RpcServer } from '../shared/transport/rpc-server.js';
import { appHandlers } from './app/app-handlers.js';
import { AuditLog } from './audit/audit-log.js';
import { auditHandlers } from './audit/audit-handlers.js';
import type { EngineContext } from './context.js';
import { DB_FILE_NAME, openDatabase } from './db/connection.js';
import { EventBus } from './event-bus.js';
import { doctorHandlers } from './hardware/doctor-handlers.js';
import { setUpTrainerEnvIfNeeded, trainerEnvHandlers } from './hardware/trainer-env-handlers.js';
import { datasetHandlers } from './datasets/dataset-handlers.js';
import { reviewHandlers } from './datasets/review-handlers.js';
import { datasetExportHandlers } from './datasets/dataset-export-handlers.js';
import { recipeHandlers } from './datasets/recipe-handlers.js';
import { JobRegistry } from './jobs.js';
import { jobsHandlers } from './jobs-handlers.js';
import { SearchIndexer } from './datasets/search-indexer.js';
import { modelHandlers } from './models/model-handlers.js';
import { exportHandlers } from './models/export-handlers.js';
import { DownloadTickets } from './models/export-download.js';
import { runHandlers } from './training/run-handlers.js';
import { TargetDirectory } from './compute/target-directory.js';
import { targetHandlers } from './compute/target-handlers.js';
import { RunSupervisor } from './training/run-supervisor.js';
import { playgroundHandlers } from './playground/playground-handlers.js';
import { OpenAiServing } from './serving/openai-server.js';
import { servingHandlers } from './serving/serving-handlers.js';
import { evalHandlers } from './evals/eval-handlers.js';
import { syntheticHandlers } from './synthetic/synthetic-handlers.js';
import { reportHandlers } from './reports/report-handlers.js';
import { preferenceHandlers } from './evals/preferences/preference-handlers.js';
import { hygieneHandlers } from './evals/hygiene/hygiene-handlers.js';
import { lineageHandlers } from './lineage/lineage-handlers.js';
import { heldoutHandlers } from './evals/heldout/heldout-handlers.js';
import { fileHandlers } from './files/file-handlers.js';
import { authHandlers } from './auth/auth-handlers.js';
import { authorizeCall, checkPathArgs } from './auth/access.js';
import { currentPrincipal, runInScope, type Principal } from './auth/call-scope.js';
import { fileAccessRoots } from './auth/file-access.js';
import { ForkedInferenceHost, type InferenceLink } from './inference/inference-process.js';
import path from 'node:path';
import os from 'node:os';

export interface EngineOptions {
  dataDir: string;
  mode: AppInfo['mode'];
  /** Defaults to a forked Node child; Electron passes its utility process's port instead. */
  inference?: InferenceLink;
  /** Team mode: remote channels carry a signed-in user (attach's `identity`), checked against permissions.ts. */
  team?: boolean;
  /** Restrict client-supplied paths to the data folder plus these folders (browser/team mode); undefined: no restriction. */
  allowDirs?: readonly string[];
}

export interface AttachOptions {
  /** The session behind this channel (team mode): resolved again on every call, so a signed-out or idle session stops working. */
  identity?: () => Principal;
}

/**
 * The engine: database, services and handlers, served over any number of channels. Start-up never writes to
 * a database that failed its integrity check: the engine then runs read-only and says why.
 */
export class Engine {
  readonly ctx: EngineContext;
  readonly impls: HandlerImpls;
  private readonly server: RpcServer<typeof handlerSpecs>;
  private readonly detachers = new Set<() => void>();

  readonly runs: RunSupervisor;
  readonly targets: TargetDirectory;
  readonly serving: OpenAiServing;
  /** Vetted export files waiting for the browser server to stream them (exports.download). */
  readonly downloads = new DownloadTickets();

  private constructor(ctx: EngineContext) {
    this.ctx = ctx;
    this.targets = new TargetDirectory(ctx);
    this.runs = new RunSupervisor(ctx, this.targets);
    this.serving = new OpenAiServing(ctx);
    this.runs.reconcile();
    reconcileExports(ctx); // exports a dead engine left 'running': failed as interrupted, partial folders removed
    // Every feature's handlers, one per line; the type (HandlerImpls) checks each contract handler has one.
    this.impls = {
      ...appHandlers(ctx),
      ...doctorHandlers(ctx),
      // A new trainer environment changes the doctor's Python, torch and GPU checks: every window hears doctor.updated.
      ...trainerEnvHandlers(ctx, () => this.recheckDoctor()),
      ...auditHandlers(ctx),
      ...datasetHandlers(ctx),
      ...reviewHandlers(ctx),
      ...datasetExportHandlers(ctx),
      ...recipeHandlers(ctx),
      ...runHandlers(ctx, this.runs),
      ...targetHandlers(this.targets),
      ...modelHandlers(ctx),
      ...exportHandlers(ctx, this.downloads),
      ...playgroundHandlers(ctx),
      ...servingHandlers(this.serving),
      ...syntheticHandlers(ctx),
      ...evalHandlers(ctx),
      ...reportHandlers(ctx),
      ...preferenceHandlers(ctx),
      ...lineageHandlers(ctx),
      ...hygieneHandlers(ctx),
      ...heldoutHandlers(ctx),
      ...fileHandlers(ctx),
      ...authHandlers(ctx),
      ...jobsHandlers(ctx),
    };
    this.server = new RpcServer(handlerSpecs, this.impls, {
      authorize: authorizeCall, // team mode: the session's role must hold the handler's permission (auth/access.ts)
      // --allow-dir: a peer's path arguments must lie inside the roots; this process's own calls (the CLI, a server's
      // start-up imports) are the operator's, who can read those files anyway.
      prepareArgs: (name, args, origin) => (origin === 'channel' ? checkPathArgs(name, args, ctx.fileRoots) : args),
      mapError: (err) => diskFullError(err, ctx.dataDir, ctx.db),
      afterWrite: () => ctx.audit?.syncWitness(), // anchor what the request appended (see audit/audit-witness.ts)
      guardWrite: (name) => {
        if (!ctx.db) {
          throw new LatheError(
            'DB_READ_ONLY',
            `"${name}" needs to write, but the library database failed its start-up check: ${ctx.dbProblem}.`,
            'Restore lathe.db from a backup or move it aside, then restart Lathe.',
          );
        }
      },
    });
  }

  static open(options: EngineOptions): Engine {
    const events = new EventBus();
    const jobs = new JobRegistry(events);
    const dbPath = path.join(options.dataDir, DB_FILE_NAME);
    const localActor = process.env.LATHE_ACTOR ?? os.userInfo().username;
    let db: EngineContext['db'] = null;
    let dbProblem: string | null = null;
    try {
      db = openDatabase(options.dataDir).db;
    } catch (err) {
      dbProblem = toErrorData(err).message;
    }
    const ctx: EngineContext = {
      dataDir: options.dataDir,
      mode: options.mode,
      db,
      dbPath,
      dbProblem,
      audit: db ? new AuditLog(db) : null,
      events,
      // A model file llama.cpp aborts on is marked in the registry (inference/crash-attribution.ts).
      inference: markingCrashes(options.inference ?? new ForkedInferenceHost(), (modelPath, message) => db && modelQueries(db).markCrashed(modelPath, message)),
      get actor() {
        return currentPrincipal()?.name ?? localActor;
      },
      team: options.team ?? false,
      fileRoots: options.allowDirs ? fileAccessRoots(options.dataDir, options.allowDirs) : null,
      jobs,
      searchIndex: new SearchIndexer({ db, dbPath, jobs }),
    };
    const engine = new Engine(ctx);
    engine.recordStart();
    ctx.searchIndex.kick(); // an import whose indexing a crash or a quit interrupted
    setUpTrainerEnvIfNeeded(ctx, () => engine.recheckDoctor()); // an installed app's first start, or an update that brought new wheels
    return engine;
  }

  /** Runs the doctor again; its report reaches every window as doctor.updated. */
  recheckDoctor(): void {
    void this.impls['doctor.report']({ refresh: true }).catch(() => undefined);
  }

  /** Serve the UI contract on a channel (a tab, a window); returns a function that stops serving it. */
  attach(channel: FrameChannel, opts: AttachOptions = {}): () => void {
    const identity = opts.identity;
    // Every frame of a team-mode channel is handled inside its caller's scope (auth/call-scope.ts).
    const served: FrameChannel = identity
      ? { send: (f) => channel.send(f), onFrame: (listener) => channel.onFrame((raw) => runInScope(identity, () => listener(raw))), onClose: (l) => channel.onClose(l), close: () => channel.close() }
      : channel;
    const stopServing = this.server.attach(served);
    const stopEvents = this.ctx.events.addChannel(channel);
    const detach = () => {
      stopServing();
      stopEvents();
      this.detachers.delete(detach);
    };
    this.detachers.add(detach);
    channel.onClose(detach);
    return detach;
  }

  /** Call a handler in-process (CLI), with the same argument checks as a remote call. */
  call<K extends HandlerName>(name: K, args: ArgsOf<K>): Promise<ResultOf<K>> {
    return this.server.call(name, args) as Promise<ResultOf<K>>;
  }

  async dispose(): Promise<void> {
    this.ctx.jobs.cancelAll();
    await this.ctx.searchIndex.dispose();
    await this.runs.dispose();
    await this.serving.stop();
    for (const detach of [...this.detachers]) detach();
    await this.ctx.inference.dispose();
    this.ctx.db?.close();
  }

  private recordStart(): void {
    if (!this.ctx.audit) return;
    const entry = this.ctx.audit.append({
      actor: this.ctx.actor,
      action: 'app.start',
      objectType: 'engine',
      details: { mode: this.ctx.mode },
    });
    this.ctx.events.emit('audit.appended', entry);
  }
}
