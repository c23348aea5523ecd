import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { EngineContext } from '../context.js';
import { runExportPython } from './export-python.js';
import { ggufReferenceSchema, verifyGguf, type GgufVerification } from './gguf-verify.js';
import { convertHfToGguf, quantizeGguf } from './llama-converters.js';
import type { Report } from './model-job.js';

export type GgufQuant = 'F16' | 'Q8_0' | 'Q4_K_M';

export interface GgufOutcome {
  made: Array<{ file: string; quant: GgufQuant; check: GgufVerification }>;
  /** Quants that could not be made or did not pass their check; their files are removed. */
  failed: Array<{ quant: GgufQuant; error: string }>;
}

/**
 * The GGUFs of one export, each converted and then checked against the HF folder it came from (gguf-verify.ts).
 * F16 comes first when a k-quant needs it as input. One quant failing does not stop the others: its file is
 * removed and the failure returned, so an export keeps what was made and verified. Cancellation and a reference
 * that cannot be computed (the source itself is unreadable) stop everything.
 */
export async function writeVerifiedGgufs(
  ctx: EngineContext,
  o: { hfDir: string; dir: string; stem: string; modelName: string; quants: GgufQuant[]; signal: AbortSignal; report: Report },
): Promise<GgufOutcome> {
  const outcome: GgufOutcome = { made: [], failed: [] };
  if (!o.quants.length) return outcome;
  const { report, signal } = o;
  const reference = ggufReferenceSchema.parse(await runExportPython(['reference', '--model', o.hfDir], {
    dataDir: ctx.dataDir, signal, onProgress: (f, m) => report(f === null ? null : 0.03 * f, `Reference logits: ${m}`),
  }));
  const fileOf = (q: GgufQuant) => path.join(o.dir, `${o.stem}-${q.toLowerCase()}.gguf`);
  const keepF16 = o.quants.includes('F16');
  const order: GgufQuant[] = [...(keepF16 || o.quants.includes('Q4_K_M') ? ['F16' as const] : []), ...o.quants.filter((q) => q !== 'F16')];
  const span = (i: number): Report => (f, m) => report(f === null ? null : 0.03 + 0.97 * ((i + f) / order.length), m);
  let f16Error: string | null = null;
  for (const [i, quant] of order.entries()) {
    const file = fileOf(quant);
    try {
      if (quant === 'Q4_K_M' && f16Error) throw new Error(`it is made from the F16 file, which failed: ${f16Error}`);
      const progress = span(i);
      if (quant === 'Q4_K_M') await quantizeGguf(fileOf('F16'), file, 'Q4_K_M', { signal, dataDir: ctx.dataDir, onProgress: (f, m) => progress(f === null ? null : f * 0.8, m) });
      else await convertHfToGguf(o.hfDir, file, quant === 'F16' ? 'f16' : 'q8_0', { signal, dataDir: ctx.dataDir, modelName: ggufModelName(o.hfDir, o.modelName), onProgress: (f, m) => progress(f === null ? null : f * 0.8, m) });
      progress(0.8, `Checking ${path.basename(file)} in llama.cpp against the source model`);
      const check = await verifyGguf(ctx, file, quant, reference);
      if (quant !== 'F16' || keepF16) outcome.made.push({ file, quant, check });
    } catch (err) {
      if (signal.aborted || (err instanceof LatheError && err.code === 'CANCELLED')) throw err;
      const error = (err as Error).message;
      if (quant === 'F16') f16Error = error;
      fs.rmSync(file, { force: true });
      if (quant !== 'F16' || keepF16) outcome.failed.push({ quant, error });
    }
  }
  if (!keepF16) fs.rmSync(fileOf('F16'), { force: true });
  await ctx.inference.client().send('inference.unloadAll', {}).catch(() => undefined);
  return outcome;
}

/**
 * general.name for a GGUF converted from `hfDir`. llama.cpp gives Phi-3's special tokens (<|user|>, <|end|> ...) the
 * rstrip attribute that Phi-3's tokenizer.json gives them - swallowing the newline the template writes after them -
 * only when general.name contains "phi3" or "phi-3" (llama-vocab.cpp); under any other name the GGUF tokenises every
 * chat differently from the model it came from. So a sentencepiece Phi-3 keeps a "Phi-3" in its name.
 */
export function ggufModelName(hfDir: string, name: string): string {
  if (/phi-?3/i.test(name)) return name;
  const read = (file: string): Record<string, unknown> => {
    try {
      return JSON.parse(fs.readFileSync(path.join(hfDir, file), 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const architectures = read('config.json').architectures;
  const phi3 = Array.isArray(architectures) && architectures.includes('Phi3ForCausalLM');
  // Phi-4 shares the architecture but has a GPT-2 BPE tokenizer, which the converter and llama.cpp treat apart.
  return phi3 && read('tokenizer_config.json').tokenizer_class !== 'GPT2Tokenizer' ? `${name} (Phi-3)` : name;
}
