import {
  ActivityIcon,
  ChatIcon,
  ClipboardCheckIcon,
  CpuIcon,
  CubeIcon,
  DatabaseIcon,
  PackageIcon,
  ShieldCheckIcon,
  SparklesIcon,
  ZapIcon,
  LineageIcon,
  type IconComponent,
} from '../../components/icons.js';

export type PageId = 'datasets' | 'generate' | 'models' | 'train' | 'runs' | 'compute' | 'playground' | 'evaluate' | 'export' | 'lineage' | 'audit';

export interface PageMeta {
  id: PageId;
  /** The sidebar label. */
  label: string;
  title: string;
  /** One line under the title: what this page is for. */
  purpose: string;
  icon: IconComponent;
  group: 'workflow' | 'trust';
}

/** Every page in the order the sidebar shows it; a new page is one entry here and one in routes.tsx. */
export const pages: Record<PageId, PageMeta> = {
  datasets: {
    id: 'datasets',
    label: 'Datasets',
    title: 'Datasets',
    purpose: 'Import, curate and version the examples and documents your model learns from.',
    icon: DatabaseIcon,
    group: 'workflow',
  },
  generate: {
    id: 'generate',
    label: 'Generate',
    title: 'Generate training data',
    purpose: 'Turn document chunks into question/answer pairs with a local teacher model, then review them.',
    icon: SparklesIcon,
    group: 'workflow',
  },
  models: {
    id: 'models',
    label: 'Models',
    title: 'Models',
    purpose: 'Base models, adapters and merged models on this machine, each with its hash and lineage.',
    icon: CubeIcon,
    group: 'workflow',
  },
  train: {
    id: 'train',
    label: 'Train',
    title: 'Train',
    purpose: 'Fine-tune a base model on a dataset version with LoRA, QLoRA or full SFT.',
    icon: ZapIcon,
    group: 'workflow',
  },
  runs: {
    id: 'runs',
    label: 'Runs',
    title: 'Runs',
    purpose: 'Every training run, live and past: curves, checkpoints and the exact recipe.',
    icon: ActivityIcon,
    group: 'workflow',
  },
  compute: {
    id: 'compute',
    label: 'Compute',
    title: 'Compute',
    purpose: 'Where runs train: this machine, GPU servers over SSH and Slurm clusters, and whether each answers.',
    icon: CpuIcon,
    group: 'workflow',
  },
  playground: {
    id: 'playground',
    label: 'Playground',
    title: 'Playground',
    purpose: 'Chat with a model, or put a base model and its tuned version side by side.',
    icon: ChatIcon,
    group: 'workflow',
  },
  evaluate: {
    id: 'evaluate',
    label: 'Evaluate',
    title: 'Evaluate',
    purpose: 'Test models on held-out data and hold them to a release gate before they ship.',
    icon: ClipboardCheckIcon,
    group: 'workflow',
  },
  export: {
    id: 'export',
    label: 'Export',
    title: 'Export',
    purpose: 'Package a model as GGUF for laptops and edge boxes, or merged safetensors for servers.',
    icon: PackageIcon,
    group: 'workflow',
  },
  lineage: {
    id: 'lineage',
    label: 'Lineage',
    title: 'Lineage',
    purpose: 'Where a model came from and what came of it: base model, data versions, run, adapter, evals, exports, releases.',
    icon: LineageIcon,
    group: 'trust',
  },
  audit: {
    id: 'audit',
    label: 'Audit log',
    title: 'Audit log',
    purpose: 'An append-only, hash-chained record of every import, run, evaluation and export.',
    icon: ShieldCheckIcon,
    group: 'trust',
  },
};

export const pageOrder: PageId[] = ['datasets', 'generate', 'models', 'train', 'runs', 'compute', 'playground', 'evaluate', 'export', 'lineage', 'audit'];

export const defaultPage: PageId = 'datasets';

export function isPageId(value: string): value is PageId {
  return Object.prototype.hasOwnProperty.call(pages, value);
}

export function pageHref(id: PageId): string {
  return `#/${id}`;
}
