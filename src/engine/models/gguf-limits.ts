import { LatheError } from '../../shared/contract/errors.js';

/**
 * The hyper-parameter bounds llama.cpp enforces with GGML_ASSERT while it loads a model (llama-model.cpp,
 * `load_hparams`, in the version node-llama-cpp 3.21.1 ships). An assert aborts the whole process, so a file that
 * breaks one would take the inference host down instead of failing with an error: these are checked before a
 * path is ever handed to llama.cpp (readGgufHeader: import, inspect, chat, verify).
 */
export const LLAMA_MAX_LAYERS = 512;
export const LLAMA_MAX_EXPERTS = 1024;

/** `metadata` as gguf-header.ts reads it: scalars, or arrays as { values } (typed loosely here: that file imports this one). */
export function checkLlamaLimits(file: string, metadata: ReadonlyMap<string, unknown>): void {
  const arch = metadata.get('general.architecture');
  if (typeof arch !== 'string' || metadata.get('general.type') === 'adapter' || arch === 'clip') return;
  const key = (k: string) => `${arch}.${k}`;
  const count = (k: string): number | null => {
    const v = metadata.get(key(k));
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null;
  };
  /** A per-layer key may be one number or an array of them (llama.cpp's get_key_or_arr); its largest value. */
  const most = (k: string): number | null => {
    const v = metadata.get(key(k));
    if (v && typeof v === 'object' && Array.isArray((v as { values?: unknown }).values)) {
      const values = (v as { values: unknown[] }).values;
      return values.length ? Math.max(...values.map(Number)) : null;
    }
    return count(k);
  };
  const refuse = (why: string) => {
    throw new LatheError(
      'INVALID_ARGUMENTS',
      `${file} cannot be loaded by llama.cpp: ${why}.`,
      'These values would abort llama.cpp (and with it Lathe\'s inference process), so the file was refused; convert the model again from its source, or use a build of it within these limits. Nothing was imported.',
    );
  };
  const layers = count('block_count');
  if (layers === null) refuse(`${key('block_count')} is missing`);
  if (layers! < 1 || layers! > LLAMA_MAX_LAYERS) refuse(`${key('block_count')} is ${layers}, outside 1-${LLAMA_MAX_LAYERS}`);
  const nextn = count('nextn_predict_layers') ?? 0;
  if (nextn > layers!) refuse(`${key('nextn_predict_layers')} (${nextn}) exceeds the block count (${layers})`);
  const experts = count('expert_count') ?? 0;
  if (experts > LLAMA_MAX_EXPERTS) refuse(`${key('expert_count')} is ${experts}, above llama.cpp's ${LLAMA_MAX_EXPERTS}`);
  const used = most('expert_used_count') ?? 0;
  const groups = count('expert_group_count') ?? 0;
  const groupsUsed = count('expert_group_used_count') ?? 0;
  if (used > experts) refuse(`${key('expert_used_count')} (${used}) exceeds ${key('expert_count')} (${experts})`);
  if (experts > 0) {
    if (used === 0) refuse(`${key('expert_used_count')} is 0 for a model with ${experts} experts`);
    if (groups >= experts) refuse(`${key('expert_group_count')} (${groups}) is not below the expert count (${experts})`);
    if (groups > 1 && (experts % groups !== 0 || groupsUsed <= 0 || groupsUsed >= groups)) {
      refuse(`the expert groups (${groups} groups, ${groupsUsed} used, ${experts} experts) are inconsistent`);
    }
  } else if (groups !== 0) {
    refuse(`${key('expert_group_count')} is ${groups} for a model without experts`);
  }
}
