import type { ComponentType } from 'react';
import { AuditPage } from './features/audit/AuditPage.js';
import { ComputePage } from './features/targets/ComputePage.js';
import { DatasetsPage } from './features/datasets/DatasetsPage.js';
import { EvaluatePage } from './features/evals/EvaluatePage.js';
import { ExportPage } from './features/exports/ExportPage.js';
import { GeneratePage } from './features/synthetic/GeneratePage.js';
import { LineagePage } from './features/lineage/LineagePage.js';
import { ModelsPage } from './features/models/ModelsPage.js';
import { PlaygroundPage } from './features/playground/PlaygroundPage.js';
import { RunsPage } from './features/runs/RunsPage.js';
import type { PageId } from './features/shell/pages.js';
import { TrainPage } from './features/runs/TrainPage.js';

/** Which component draws each page; the titles and icons live in features/shell/pages.ts. */
export const routes: Record<PageId, ComponentType> = {
  datasets: DatasetsPage,
  generate: GeneratePage,
  models: ModelsPage,
  train: TrainPage,
  runs: RunsPage,
  compute: ComputePage,
  playground: PlaygroundPage,
  evaluate: EvaluatePage,
  export: ExportPage,
  lineage: LineagePage,
  audit: AuditPage,
};
