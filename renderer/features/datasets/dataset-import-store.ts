import { create } from 'zustand';
import type {
  ColumnMapping,
  Detection,
  EventPayload,
  FileType,
  ImportResult,
  LatheErrorData,
  TaskFormat,
} from '../../../src/shared/contract/index.js';
import type { DocumentPreview } from '../../../src/shared/contract/features/datasets.js';
import { getClient } from '../../stores/connection.js';
import { useDatasets } from './datasets-store.js';
import { asErrorData } from '../../stores/errors.js';
import { useJobs } from '../../stores/jobs.js';
import { useToasts } from '../../stores/toasts.js';

/**
 * The import wizard's state. It lives in a store, not in the dialog, so closing the dialog never loses a
 * running import: progress keeps arriving, and reopening shows where it is.
 */
export type WizardStep = 'source' | 'options' | 'run';
export type OnError = 'abort' | 'skip';

export interface DetectOverrides {
  fileType?: FileType;
  format?: TaskFormat;
  mapping?: ColumnMapping;
}

/** How documents are cut into training chunks; without a tokenizer the sizes are in words. */
export interface ChunkSettings {
  tokenizerPath: string;
  chunkSize: number;
  overlap: number;
}

export interface ImportJob {
  id: string;
  status: 'running' | 'cancelling' | 'done' | 'failed' | 'cancelled';
  /** 0..1, or null while the engine cannot tell. */
  fraction: number | null;
  /** "12,000 rows · 8.5 MB/s · 2 s left", straight from the engine. */
  message: string;
  startedAt: number;
  fileName: string;
  datasetName: string;
  result: ImportResult | null;
  error: LatheErrorData | null;
}

interface ImportStore {
  open: boolean;
  step: WizardStep;
  path: string;
  target: 'new' | 'existing';
  newName: string;
  /** Once the person types a name, a detected file name no longer replaces it. */
  nameTouched: boolean;
  existingId: string | null;
  detectStatus: 'idle' | 'running' | 'ready' | 'error';
  detection: Detection | null;
  /** Set instead of `detection` when the path holds documents (a folder, .pdf/.docx/.html/.md/.txt, or a zip of them). */
  documents: DocumentPreview | null;
  chunk: ChunkSettings;
  detectError: LatheErrorData | null;
  onError: OnError;
  job: ImportJob | null;

  openWizard(preset?: { datasetId?: string }): void;
  close(): void;
  setPath(path: string): void;
  setTarget(target: 'new' | 'existing'): void;
  setNewName(name: string): void;
  setExisting(datasetId: string): void;
  detect(overrides?: DetectOverrides): Promise<void>;
  setOnError(onError: OnError): void;
  setChunk(patch: Partial<ChunkSettings>): void;
  goTo(step: 'source' | 'options'): void;
  startImport(): Promise<void>;
  cancelImport(): Promise<void>;
  receiveProgress(event: EventPayload<'job.progress'>): void;
}

const fresh = {
  step: 'source' as WizardStep,
  path: '',
  target: 'new' as const,
  newName: '',
  nameTouched: false,
  existingId: null,
  detectStatus: 'idle' as const,
  detection: null,
  documents: null,
  detectError: null,
  onError: 'abort' as OnError,
  job: null,
};

let detectGeneration = 0;

export const useDatasetImport = create<ImportStore>((set, get) => ({
  open: false,
  ...fresh,
  chunk: { tokenizerPath: '', chunkSize: 512, overlap: 64 },

  openWizard(preset) {
    const { job } = get();
    if (job && (job.status === 'running' || job.status === 'cancelling')) {
      set({ open: true, step: 'run' });
      return;
    }
    // A finished import is done with; failed or cancelled ones keep their draft so the person can try again.
    const base = job?.status === 'done' ? { ...fresh } : { step: 'source' as WizardStep, job: null };
    const existing = preset?.datasetId ? { target: 'existing' as const, existingId: preset.datasetId } : {};
    set({ ...base, ...existing, open: true });
  },

  close() {
    set({ open: false });
    if (get().job?.status === 'done') set({ ...fresh });
  },

  setPath(path) {
    if (path === get().path) return;
    detectGeneration += 1; // an answer for the old path must not land on the new one
    set({ path, detection: null, documents: null, detectError: null, detectStatus: 'idle' });
  },

  setTarget(target) {
    const datasets = useDatasets.getState().datasets;
    set((s) => ({ target, existingId: s.existingId ?? datasets[0]?.id ?? null }));
  },

  setNewName(name) {
    set({ newName: name, nameTouched: true });
  },

  setExisting(datasetId) {
    set({ existingId: datasetId });
  },

  async detect(overrides = {}) {
    const path = get().path.trim();
    if (!path) return;
    const mine = ++detectGeneration;
    set({ detectStatus: 'running', detectError: null });
    try {
      // The engine reads the path, never the browser: the kind of source is decided from its name, and a zip
      // is asked about (task data inside, or documents).
      let detection: Detection | null = null;
      let documents: DocumentPreview | null = null;
      const kind = sourceKind(path);
      if (kind === 'task' || kind === 'archive') {
        try {
          detection = await getClient().send('datasets.detect', { path, ...overrides });
        } catch (err) {
          if (kind !== 'archive' || !/holds documents, not task data/.test(asErrorData(err).message)) throw err;
        }
      }
      if (!detection) documents = await getClient().send('datasets.previewDocuments', chunkArgs(path, get().chunk));
      if (mine !== detectGeneration) return;
      const { nameTouched, newName } = get();
      set({
        detection,
        documents,
        detectStatus: 'ready',
        detectError: null,
        newName: nameTouched && newName.trim() ? newName : nameFromPath(path),
      });
    } catch (err) {
      if (mine !== detectGeneration) return;
      set({ detectStatus: 'error', detectError: asErrorData(err) });
    }
  },

  setOnError(onError) {
    set({ onError });
  },

  setChunk(patch) {
    set((s) => ({ chunk: { ...s.chunk, ...patch } }));
  },

  goTo(step) {
    const { job } = get();
    if (job && (job.status === 'running' || job.status === 'cancelling')) return;
    set({ step, job: null });
  },

  async startImport() {
    const s = get();
    const detection = s.detection;
    const documents = s.documents;
    const datasetName = targetName(s);
    if ((!detection && !documents) || !datasetName) return;
    if (s.job && (s.job.status === 'running' || s.job.status === 'cancelling')) return;
    const jobId = newJobId();
    const job: ImportJob = {
      id: jobId,
      status: 'running',
      fraction: 0,
      message: 'Starting…',
      startedAt: Date.now(),
      fileName: baseName(detection?.path ?? documents!.path),
      datasetName,
      result: null,
      error: null,
    };
    set({ step: 'run', job });
    try {
      const result = detection
        ? await getClient().send('datasets.import', {
            path: detection.path,
            datasetName,
            jobId,
            fileType: detection.fileType,
            format: detection.format,
            mapping: detection.mapping,
            onError: s.onError,
          })
        : await getClient().send('datasets.importDocuments', { ...chunkArgs(documents!.path, s.chunk), datasetName, jobId, onError: s.onError });
      patchJob(jobId, { status: 'done', fraction: 1, result, error: null });
      useDatasets.getState().refresh();
      if (!get().open) {
        useToasts.getState().push({
          tone: 'success',
          title: 'Import finished',
          message: `${result.rowsImported.toLocaleString('en')} examples in ${datasetName} · version ${result.versionNumber}`,
          hint: null,
        });
      }
    } catch (err) {
      const error = asErrorData(err);
      patchJob(jobId, { status: error.code === 'CANCELLED' ? 'cancelled' : 'failed', error });
      if (!get().open && error.code !== 'CANCELLED') {
        useToasts.getState().push({ tone: 'error', title: 'Import failed', message: error.message, hint: error.hint || null });
      }
    }
  },

  async cancelImport() {
    const job = get().job;
    if (!job || job.status !== 'running') return;
    patchJob(job.id, { status: 'cancelling' });
    try {
      const cancelled = await useJobs.getState().cancel(job.id);
      // false: it finished before the cancel reached it; the import's own answer says how.
      if (!cancelled && get().job?.id === job.id && get().job?.status === 'cancelling') patchJob(job.id, { status: 'running' });
    } catch (err) {
      if (get().job?.status === 'cancelling') patchJob(job.id, { status: 'running' });
      useToasts.getState().push({ tone: 'error', title: 'Could not cancel the import', message: asErrorData(err).message, hint: null });
    }
  },

  receiveProgress(event) {
    const job = get().job;
    if (!job || job.id !== event.jobId) return;
    // The import's own answer settles the outcome; events only move the bar while it runs.
    if (job.status !== 'running' && job.status !== 'cancelling') return;
    if (event.state !== 'running') return;
    patchJob(job.id, { fraction: event.fraction, message: event.message });
  },
}));

function patchJob(id: string, patch: Partial<ImportJob>): void {
  useDatasetImport.setState((s) => (s.job && s.job.id === id ? { job: { ...s.job, ...patch } } : {}));
}

/** The dataset this import writes to: a new name, or the name of the chosen existing dataset. */
export function targetName(s: Pick<ImportStore, 'target' | 'newName' | 'existingId'>): string | null {
  if (s.target === 'new') {
    const name = s.newName.trim();
    return name && name.length <= 200 ? name : null;
  }
  return useDatasets.getState().datasets.find((d) => d.id === s.existingId)?.name ?? null;
}

const TASK_EXTENSIONS = new Set(['jsonl', 'ndjson', 'json', 'csv', 'tsv', 'tab', 'parquet', 'pq']);

/** What a path probably holds, from its name alone (a name without an extension is taken as a folder). */
export function sourceKind(path: string): 'task' | 'documents' | 'archive' {
  const base = baseName(path.trim());
  const ext = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1).toLowerCase() : '';
  if (ext === 'zip') return 'archive';
  return TASK_EXTENSIONS.has(ext) ? 'task' : 'documents';
}

/** A dropped file-manager item arrives as a file:// URI or a plain path; the renderer never opens the file. */
export function pathFromDrop(uriList: string, text: string): string | null {
  const first = (uriList || text).split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  if (!first) return null;
  if (first.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(first).pathname.replace(/^\/([a-zA-Z]:)/, '$1'));
    } catch {
      return null;
    }
  }
  return first.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(first) || first.startsWith('~') ? first : null;
}

function chunkArgs(path: string, c: ChunkSettings) {
  const tokenizerPath = c.tokenizerPath.trim();
  return { path, chunkSize: c.chunkSize, overlap: c.overlap, ...(tokenizerPath ? { tokenizerPath } : {}) };
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** "~/data/grid-maintenance.v2.jsonl" → "grid-maintenance.v2" */
export function nameFromPath(path: string): string {
  const base = baseName(path.trim());
  const dot = base.lastIndexOf('.');
  return (dot > 0 ? base.slice(0, dot) : base).slice(0, 200);
}

function newJobId(): string {
  const random = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : Math.random().toString(36).slice(2);
  return `import-${random}`;
}
