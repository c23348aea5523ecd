import type { z } from 'zod';
import type { HandlerSpec } from './define.js';
import { appHandlers } from './features/app.js';
import { auditHandlers } from './features/audit.js';
import { datasetHandlers } from './features/datasets.js';
import { reviewHandlers } from './features/review.js';
import { datasetExportHandlers } from './features/dataset-export.js';
import { recipeHandlers } from './features/recipes.js';
import { runHandlers } from './features/runs.js';
import { doctorHandlers } from './features/doctor.js';
import { modelHandlers } from './features/models.js';
import { exportHandlers } from './features/exports.js';
import { playgroundHandlers } from './features/playground.js';
import { servingHandlers } from './features/serving.js';
import { evalHandlers } from './features/evals.js';
import { syntheticHandlers } from './features/synthetic.js';
import { reportHandlers } from './features/reports.js';
import { preferenceHandlers } from './features/preferences.js';
import { hygieneHandlers } from './features/hygiene.js';
import { lineageHandlers } from './features/lineage.js';
import { heldoutHandlers } from './features/heldout.js';
import { fileHandlers } from './features/files.js';
import { authHandlers } from './features/auth.js';
import { jobHandlers } from './features/jobs.js';
import { targetHandlers } from './features/targets.js';

/**
 * The one contract between UI and engine. Each feature exports its handler specs; they are merged here.
 * `send<K>(name, args)` on the client is checked against these types at compile time, and the engine's
 * dispatcher checks the arguments against the schemas at run time before any handler sees them.
 */
export const handlerSpecs = {
  ...appHandlers,
  ...doctorHandlers,
  ...auditHandlers,
  ...datasetHandlers,
  ...reviewHandlers,
  ...datasetExportHandlers,
  ...recipeHandlers,
  ...runHandlers,
  ...targetHandlers,
  ...modelHandlers,
  ...exportHandlers,
  ...playgroundHandlers,
  ...servingHandlers,
  ...evalHandlers,
  ...syntheticHandlers,
  ...reportHandlers,
  ...preferenceHandlers,
  ...hygieneHandlers,
  ...lineageHandlers,
  ...heldoutHandlers,
  ...fileHandlers,
  ...jobHandlers,
  ...authHandlers,
} satisfies Record<string, HandlerSpec>;

export type HandlerSpecs = typeof handlerSpecs;
export type HandlerName = keyof HandlerSpecs;
export type ArgsOf<K extends HandlerName> = z.input<HandlerSpecs[K]['args']>;
export type ParsedArgsOf<K extends HandlerName> = z.output<HandlerSpecs[K]['args']>;
export type ResultOf<K extends HandlerName> = z.output<HandlerSpecs[K]['result']>;

/** What the engine implements: one async function per handler name, given parsed arguments. */
export type HandlerImpls = { [K in HandlerName]: (args: ParsedArgsOf<K>) => Promise<ResultOf<K>> };

export function isHandlerName(name: string): name is HandlerName {
  return Object.prototype.hasOwnProperty.call(handlerSpecs, name);
}

export * from './errors.js';
export * from './frames.js';
export * from './events.js';
export type { HandlerSpec } from './define.js';
export type { AppInfo } from './features/app.js';
export type { DoctorCheck, DoctorReport, GpuInfo } from './features/doctor.js';
export type { AuditEntry, AuditVerifyResult } from './features/audit.js';
export type { ModelSummary, ModelInspection, GgufOuttype } from './features/models.js';
export type { JobSubject, JobSummary } from './features/jobs.js';
export type { FolderEntry, FolderEntryKind, FolderListing } from './features/files.js';
export type { SessionUser, Signature, Whoami } from './features/auth.js';
export type { ExportSummary, ExportFormat, MergedDtype } from './features/exports.js';
export { describeGgufChecks } from './features/exports.js';
export type { ComputeTarget, SshTarget, TargetTest } from './features/targets.js';
export type { RunEstimate, RunEvent, RunSummary, StartRunArgs, StartRunInput } from './features/runs.js';
export type { ChatMessage, ColumnMapping, DatasetSummary, DatasetVersion, Detection, ExampleContent, ExampleKind, ExampleMessage, ImportResult, TaskFormat, FileType, ToolCall } from './features/datasets.js';

import type { RpcClient } from '../transport/rpc-client.js';
import type { EventSchemas } from './events.js';
/** The typed client the renderer and the CLI hold. */
export type LatheClient = RpcClient<HandlerSpecs, EventSchemas>;
