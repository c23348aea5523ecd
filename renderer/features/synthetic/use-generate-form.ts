import { useEffect, useMemo, useState } from 'react';
import type { ChatModel } from '../../../src/shared/contract/features/playground.js';
import type { DatasetVersion } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { useDatasets } from '../datasets/datasets-store.js';

export type Kind = 'qa' | 'chat' | 'summary' | 'extraction' | 'classification';
interface Template { kind: Kind; version: string; system: string; prompt: string }
export interface Estimate { chunks: number; promptTokens: number; maxOutputTokens: number; seconds: number | null }

/** The Generate form's state: the source version (the newest version of chunks, not an earlier generation), teacher and template. */
export function useGenerateForm(connected: boolean) {
  const { datasets, status, load } = useDatasets();
  const [datasetId, setDatasetId] = useState('');
  const [versions, setVersions] = useState<DatasetVersion[]>([]);
  const [models, setModels] = useState<ChatModel[]>([]);
  const [modelId, setModelIdState] = useState('');
  const [adapterId, setAdapterId] = useState('');
  /** Only chunks that contain this text / come from this document / lie on these pages; empty: every chunk. */
  const [filterText, setFilterText] = useState('');
  const [filterDocument, setFilterDocument] = useState('');
  const [pageFrom, setPageFrom] = useState('');
  const [pageTo, setPageTo] = useState('');
  const [templates, setTemplates] = useState<Template[]>([]);
  const [kind, setKindState] = useState<Kind>('qa');
  const [prompt, setPrompt] = useState('');
  const [count, setCount] = useState(10);
  const [maxTokens, setMaxTokens] = useState(256);
  const [parallel, setParallel] = useState(4);
  const [perChunk, setPerChunk] = useState(1);
  const [speed, setSpeed] = useState<number | null>(null);
  const [estimate, setEstimate] = useState<Estimate | null>(null);

  useEffect(() => {
    if (!connected) return;
    if (status === 'idle') void load();
    void getClient().send('playground.models', {}).then((r) => { setModels(r.models); setModelIdState((cur) => cur || r.models.find((m) => m.kind === 'gguf')?.id || ''); });
    void getClient().send('synthetic.templates', {}).then((r) => { setTemplates(r.templates as Template[]); setPrompt((cur) => cur || (r.templates.find((t) => t.kind === 'qa')?.prompt ?? '')); });
  }, [connected]);
  useEffect(() => {
    if (!datasetId) setDatasetId(datasets.find((d) => d.kind === 'documents')?.id ?? '');
  }, [datasets, datasetId]);
  useEffect(() => {
    if (!datasetId || !connected) return;
    void getClient().send('datasets.versions', { datasetId }).then((r) => setVersions(r.versions));
  }, [datasetId, connected, datasets]);

  // Generated versions (and versions made from them, such as a review) live in the same dataset; generation
  // always reads chunks, so skip every version descended from a generation. Versions come newest first.
  const source = useMemo(() => {
    const generated = new Set<string>();
    for (const v of [...versions].reverse()) if (v.operation === 'synthetic' || (v.parentId && generated.has(v.parentId))) generated.add(v.id);
    return versions.find((v) => !generated.has(v.id)) ?? null;
  }, [versions]);
  const teachers = models.filter((m) => m.kind !== 'gguf-lora');
  const adapters = models.filter((m) => m.kind === 'gguf-lora' && (!m.baseModelId || m.baseModelId === modelId));
  const setModelId = (id: string) => {
    setModelIdState(id);
    setAdapterId('');
  };
  const filter = useMemo(() => {
    const from = Number(pageFrom) || 0;
    const to = Number(pageTo) || from;
    return {
      ...(filterText.trim() ? { text: filterText.trim() } : {}),
      ...(filterDocument.trim() ? { document: filterDocument.trim() } : {}),
      ...(from >= 1 ? { pages: [from, Math.max(from, to)] as [number, number] } : {}),
    };
  }, [filterText, filterDocument, pageFrom, pageTo]);
  const filtered = Object.keys(filter).length > 0;
  const template = templates.find((t) => t.kind === kind);
  const edited = template ? prompt !== template.prompt : false;
  const setKind = (k: Kind) => {
    setKindState(k);
    setPrompt(templates.find((t) => t.kind === k)?.prompt ?? '');
  };

  useEffect(() => {
    if (!source || !connected) return;
    const t = setTimeout(() => {
      void getClient().send('synthetic.estimate', { sourceVersionId: source.id, ...(filtered ? { filter } : {}), chunkLimit: count, maxTokens, perChunk, ...(speed ? { tokensPerSecond: speed * Math.min(parallel, 2) } : {}) }).then(setEstimate).catch(() => setEstimate(null));
    }, 250);
    return () => clearTimeout(t);
  }, [source?.id, count, maxTokens, speed, parallel, connected, filter, perChunk]);

  const request = () => ({
    sourceVersionId: source!.id,
    ...(filtered ? { filter } : {}),
    modelId,
    adapterIds: adapterId ? [adapterId] : [],
    template: { kind, ...(edited ? { prompt } : {}) },
    sampling: { temperature: 0.7, maxTokens, seed: 0 },
  });
  return {
    datasetId, setDatasetId, source, models: teachers, adapters, modelId, setModelId, adapterId, setAdapterId,
    filterText, setFilterText, filterDocument, setFilterDocument, pageFrom, setPageFrom, pageTo, setPageTo, filtered, kind, setKind, prompt, setPrompt, edited, version: template?.version ?? '',
    count, setCount, maxTokens, setMaxTokens, parallel, setParallel, perChunk, setPerChunk, estimate, setSpeed, request,
    ready: Boolean(source && modelId && prompt.includes('{{chunk}}')),
  };
}

export type GenerateForm = ReturnType<typeof useGenerateForm>;
