import { useEffect, useMemo, useState } from 'react';
import type { ChatModel } from '../../../src/shared/contract/features/playground.js';
import type { DatasetVersion } from '../../../src/shared/contract/index.js';
import { getClient } from '../../stores/connection.js';
import { useDatasets } from '../../stores/datasets.js';

export type Kind = 'qa' | 'summary' | 'extraction' | 'classification';
interface Template { kind: Kind; version: string; system: string; prompt: string }
export interface Estimate { chunks: number; promptTokens: number; maxOutputTokens: number; seconds: number | null }

/** The Generate form's state: the source version (the newest version of chunks, not an earlier generation), teacher and template. */
export function useGenerateForm(connected: boolean) {
  const { datasets, status, load } = useDatasets();
  const [datasetId, setDatasetId] = useState('');
  const [versions, setVersions] = useState<DatasetVersion[]>([]);
  const [models, setModels] = useState<ChatModel[]>([]);
  const [modelId, setModelId] = useState('');
  const [templates, setTemplates] = useState<Template[]>([]);
  const [kind, setKindState] = useState<Kind>('qa');
  const [prompt, setPrompt] = useState('');
  const [count, setCount] = useState(10);
  const [maxTokens, setMaxTokens] = useState(256);
  const [parallel, setParallel] = useState(4);
  const [speed, setSpeed] = useState<number | null>(null);
  const [estimate, setEstimate] = useState<Estimate | null>(null);

  useEffect(() => {
    if (!connected) return;
    if (status === 'idle') void load();
    void getClient().send('playground.models', {}).then((r) => { setModels(r.models); setModelId((cur) => cur || r.models.find((m) => m.kind === 'gguf')?.id || r.models[0]?.id || ''); });
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
  const template = templates.find((t) => t.kind === kind);
  const edited = template ? prompt !== template.prompt : false;
  const setKind = (k: Kind) => {
    setKindState(k);
    setPrompt(templates.find((t) => t.kind === k)?.prompt ?? '');
  };

  useEffect(() => {
    if (!source || !connected) return;
    const t = setTimeout(() => {
      void getClient().send('synthetic.estimate', { sourceVersionId: source.id, chunkLimit: count, maxTokens, ...(speed ? { tokensPerSecond: speed * Math.min(parallel, 2) } : {}) }).then(setEstimate).catch(() => setEstimate(null));
    }, 250);
    return () => clearTimeout(t);
  }, [source?.id, count, maxTokens, speed, parallel, connected]);

  const request = () => ({
    sourceVersionId: source!.id,
    modelId,
    template: { kind, ...(edited ? { prompt } : {}) },
    sampling: { temperature: 0.7, maxTokens, seed: 0 },
  });
  return {
    datasetId, setDatasetId, source, models, modelId, setModelId, kind, setKind, prompt, setPrompt, edited, version: template?.version ?? '',
    count, setCount, maxTokens, setMaxTokens, parallel, setParallel, estimate, setSpeed, request,
    ready: Boolean(source && modelId && prompt.includes('{{chunk}}')),
  };
}

export type GenerateForm = ReturnType<typeof useGenerateForm>;
