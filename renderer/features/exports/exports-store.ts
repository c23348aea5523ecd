import { create } from 'zustand';
import { EXPORT_FORMATS } from '../../../src/shared/contract/features/exports.js';
import type { ArgsOf, ExportFormat, ExportSummary, MergedDtype, ResultOf } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { linkedByPort } from '../../api/bridge.js';

/** Every export with its release state (exports.list). */
export async function listExports(): Promise<ExportSummary[]> {
  return (await getClient().send('exports.list', {})).exports;
}

/** Writes one export of a model (merged weights, GGUF files, Modelfile, model card), with progress under `jobId`. */
export async function createExport(args: ArgsOf<'exports.create'>): Promise<ResultOf<'exports.create'>> {
  return getClient().send('exports.create', args);
}

/**
 * Downloads one file of an export through the browser: the engine vets and audits it and answers with a single-use
 * link, which an invisible link element then follows (the answer is an attachment, so the page stays).
 */
export async function downloadExportFile(exportId: string, file: string): Promise<void> {
  const { url } = await getClient().send('exports.download', { exportId, file });
  const a = document.createElement('a');
  a.href = url;
  a.download = file;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

/** Opens the export's folder in the file manager (the desktop app: the engine runs on this computer). */
export async function showExportFolder(exportId: string): Promise<void> {
  await getClient().send('exports.reveal', { exportId });
}

/** The desktop app has no browser server to follow a download link: it opens the folder instead. */
export const canDownload = typeof window !== 'undefined' && !linkedByPort();

/** What the Export form was set to: kept while the person visits other pages, so coming back finds it as left. */
export interface ExportFormChoice {
  modelId: string;
  formats: ExportFormat[];
  mergedDtype: MergedDtype;
  name: string;
  intendedUse: string;
}

export const useExportForm = create<ExportFormChoice & { setChoice(patch: Partial<ExportFormChoice>): void }>((set) => ({
  modelId: '',
  formats: [...EXPORT_FORMATS],
  mergedDtype: 'auto',
  name: '',
  intendedUse: '',
  setChoice: (patch) => set(patch),
}));
