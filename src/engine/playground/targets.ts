import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { ChatModel } from '../../shared/contract/features/playground.js';
import { modelQueries, type ModelRow } from '../db/queries/models.js';
import { readGgufHeader } from '../models/gguf-header.js';

export interface ResolvedTarget {
  model: ModelRow;
  adapters: ModelRow[];
  label: string;
}

/** The models the playground and the OpenAI endpoint offer: every GGUF and GGUF LoRA in the registry. */
export function chatModels(db: Database.Database): ChatModel[] {
  const q = modelQueries(db);
  return q
    .list()
    .filter((m): m is ModelRow & { kind: 'gguf' | 'gguf-lora' } => m.kind === 'gguf' || m.kind === 'gguf-lora')
    .map((m) => ({
      id: m.id,
      name: m.name,
      kind: m.kind,
      path: m.path,
      sizeBytes: m.size_bytes,
      quantization: m.quantization,
      baseModelId: m.kind === 'gguf-lora' ? (baseGgufOf(db, m)?.id ?? null) : null,
    }));
}

/**
 * Turns ids into files. An adapter may be picked on its own: its GGUF base is then found through the registry
 * (details.baseModelId, or the nearest GGUF up or beside its lineage: adapter → PEFT adapter → HF base → GGUF).
 */
export function resolveTarget(db: Database.Database, target: { modelId: string; adapterIds: string[] }): ResolvedTarget {
  const q = modelQueries(db);
  const picked = q.get(target.modelId);
  if (!picked) throw new LatheError('NOT_FOUND', `There is no registered model ${target.modelId}.`, 'Pick a model from the list; it may have been removed.');
  const adapters = target.adapterIds.map((id) => {
    const a = q.get(id);
    if (!a) throw new LatheError('NOT_FOUND', `There is no registered adapter ${id}.`, 'Pick an adapter from the list; it may have been removed.');
    if (a.kind !== 'gguf-lora') throw new LatheError('INVALID_ARGUMENTS', `"${a.name}" is a ${a.kind} model, not a GGUF LoRA adapter.`, 'Convert the adapter to GGUF on the Models page first.');
    return a;
  });
  let model = picked;
  if (picked.kind === 'gguf-lora') {
    const base = baseGgufOf(db, picked);
    if (!base) throw new LatheError('INVALID_ARGUMENTS', `No GGUF base model is registered for the adapter "${picked.name}".`, 'Convert its base model to GGUF on the Models page, or pick the base and the adapter separately.');
    model = base;
    adapters.unshift(picked);
  } else if (picked.kind !== 'gguf') {
    throw new LatheError('INVALID_ARGUMENTS', `"${picked.name}" is a ${picked.kind} model; the playground runs GGUF files.`, 'Convert it to GGUF on the Models page (F16, Q8_0 or a K-quant), then pick the GGUF.');
  }
  const label = [model.name, ...adapters.map((a) => a.name)].join(' + ');
  return { model, adapters, label };
}

/**
 * The registry checked these files on import, but they live on the user's disk and may have changed since:
 * llama.cpp must never see a truncated or crafted file (it would crash the inference host, not refuse it).
 */
export function checkTargetFiles(target: ResolvedTarget): void {
  for (const m of [target.model, ...target.adapters]) assertLoadableGguf(m.path);
}

/** Reads and bounds-checks a GGUF header; throws a LatheError naming the file when it is missing or unsound. */
export function assertLoadableGguf(file: string): void {
  if (!fs.existsSync(file)) {
    throw new LatheError('MODEL_MISSING', `The model file ${file} is not there any more.`, 'Put the file back, or register the model again from where it now lives (Models page).');
  }
  readGgufHeader(file);
}

export function baseGgufOf(db: Database.Database, adapter: ModelRow): ModelRow | null {
  const q = modelQueries(db);
  const details = safeJson(adapter.details);
  const explicit = typeof details.baseModelId === 'string' ? q.get(details.baseModelId) : undefined;
  if (explicit?.kind === 'gguf') return explicit;
  const seen = new Set<string>();
  for (let p = adapter.parent_id ? q.get(adapter.parent_id) : undefined; p && !seen.has(p.id); p = p.parent_id ? q.get(p.parent_id) : undefined) {
    seen.add(p.id);
    if (p.kind === 'gguf') return p;
    const gguf = q.children(p.id).find((c) => c.kind === 'gguf');
    if (gguf) return gguf;
  }
  return null;
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
