import path from 'node:path';
import { z } from 'zod';
import { LatheError } from '../../shared/contract/errors.js';
import type { EngineContext } from '../context.js';
import { ggufFacts, readGgufHeader } from './gguf-header.js';

/** The source model's side of the check (`python -m lathe_trainer.export reference`), checked as it crosses over. */
export const ggufReferenceSchema = z.object({
  text: z.string(),
  tokens: z.array(z.number().int().min(0)).min(1),
  positions: z.array(z.object({ index: z.number().int().min(0), top: z.array(z.tuple([z.number().int().min(0), z.number()])).min(1) })).min(1),
  dtype: z.string(),
  parameters: z.number().int(),
  config: z.object({ layers: z.number().int().nullable(), hidden: z.number().int().nullable(), vocab: z.number().int().nullable(), tokenizer_vocab: z.number().int() }),
});
export type GgufReference = z.infer<typeof ggufReferenceSchema>;

/** What llama.cpp said at each position: its greedy token and the log-probabilities of the reference's top ids. */
export interface GgufScores {
  positions: Array<{ index: number; argmax: number; logprobs: number[] }>;
  textTokens: number[] | null;
}

export interface LogitAgreement {
  positions: number;
  /** Mean and worst KL(source ‖ GGUF) over the source's top-K tokens plus one bucket for the rest, in nats. */
  meanKl: number;
  maxKl: number;
  /** Positions where the source's top token leads the runner-up by ≥ DECISIVE nats: the GGUF must pick it too. */
  decisivePositions: number;
  top1Agreement: number | null;
}

export interface GgufTolerance { meanKl: number; top1: number }

/** A lead this large is no near-tie: any faithful conversion keeps the same greedy token there. */
export const DECISIVE = 1.0;

/**
 * Tolerances by what the conversion is allowed to change. F16/BF16 round weights to 11/8 mantissa bits; Q8_0
 * adds 8-bit blocks; k-quants (and the legacy 4/5-bit types llama-quantize falls back to for narrow rows) change
 * much more on small models: measured here, Q4_K_M of the dim-64 tiny model after a LoRA merge had mean KL
 * 0.32 nats with 91% top-1 agreement. A broken conversion (a mis-mapped tensor, a wrong RoPE or norm, a shifted
 * vocabulary) gives whole nats and top-1 agreement near chance (gguf-verify tests), so the bounds sit between.
 */
export function ggufTolerance(quant: string): GgufTolerance {
  const q = quant.toUpperCase();
  if (q === 'F32' || q === 'F16' || q === 'BF16') return { meanKl: 0.01, top1: 0.95 };
  if (q === 'Q8_0') return { meanKl: 0.05, top1: 0.9 };
  return { meanKl: 1.0, top1: 0.7 };
}

/** KL over the top-K ids of the source and one bucket holding the rest of the mass, per position. */
export function logitAgreement(ref: GgufReference, scores: GgufScores): LogitAgreement {
  const byIndex = new Map(scores.positions.map((p) => [p.index, p]));
  const kls: number[] = [];
  let decisive = 0;
  let agree = 0;
  for (const pos of ref.positions) {
    const got = byIndex.get(pos.index);
    if (!got || got.logprobs.length !== pos.top.length) throw new Error(`No scores for position ${pos.index}`);
    const p = pos.top.map(([, lp]) => Math.exp(lp));
    const q = got.logprobs.map((lp) => Math.exp(lp));
    const restP = Math.max(1e-12, 1 - p.reduce((a, b) => a + b, 0));
    const restQ = Math.max(1e-12, 1 - q.reduce((a, b) => a + b, 0));
    let kl = restP * Math.log(restP / restQ);
    for (let i = 0; i < p.length; i++) if (p[i]! > 0) kl += p[i]! * (pos.top[i]![1] - got.logprobs[i]!);
    kls.push(Math.max(0, kl));
    const lead = pos.top.length > 1 ? pos.top[0]![1] - pos.top[1]![1] : Infinity;
    if (lead >= DECISIVE) {
      decisive += 1;
      if (got.argmax === pos.top[0]![0]) agree += 1;
    }
  }
  return {
    positions: kls.length,
    meanKl: kls.reduce((a, b) => a + b, 0) / Math.max(1, kls.length),
    maxKl: Math.max(0, ...kls),
    decisivePositions: decisive,
    top1Agreement: decisive ? agree / decisive : null,
  };
}

export interface GgufVerification {
  loaded: true;
  quant: string;
  referenceDtype: string;
  logits: LogitAgreement & { tolerance: GgufTolerance; passed: boolean };
  tokenizer: { sourceTokens: number; ggufTokens: number | null; identical: boolean };
  metadata: { layers: [number | null, number | null]; hidden: [number | null, number | null]; vocab: [number | null, number | null]; parameters: [number, number]; passed: boolean };
}

/**
 * Checks one GGUF against the model it was converted from: header and metadata (layers, width, vocabulary,
 * parameter count), the tokenizer (same ids for the same rendered prompt, required), and the next-token distributions on
 * the same token ids in llama.cpp vs the source (`logitAgreement`). Throws a LatheError naming what disagrees.
 */
export async function verifyGguf(ctx: EngineContext, file: string, quant: string, ref: GgufReference): Promise<GgufVerification> {
  const header = readGgufHeader(file);
  const facts = ggufFacts(header);
  const num = (key: string) => {
    const v = header.metadata.get(`${facts.architecture}.${key}`);
    return typeof v === 'number' ? v : null;
  };
  const metadata = {
    layers: [ref.config.layers, num('block_count')] as [number | null, number | null],
    hidden: [ref.config.hidden, num('embedding_length')] as [number | null, number | null],
    vocab: [ref.config.vocab, facts.vocabSize] as [number | null, number | null],
    parameters: [ref.parameters, facts.parameters] as [number, number],
    passed: true,
  };
  const mismatch = (['layers', 'hidden', 'vocab'] as const).filter((k) => metadata[k][0] !== null && metadata[k][1] !== null && metadata[k][0] !== metadata[k][1]);
  // llama.cpp may add small tensors (Llama 3.1's rope_freqs) or drop a tied output copy; 1% is far beyond those.
  if (Math.abs(facts.parameters - ref.parameters) > 0.01 * ref.parameters) mismatch.push('parameters' as never);
  metadata.passed = mismatch.length === 0;
  const name = path.basename(file);
  if (!metadata.passed) {
    const what = mismatch.map((k) => `${k} ${metadata[k][0]} in the source vs ${metadata[k][1]} in the GGUF`).join('; ');
    throw new LatheError('INFERENCE_FAILED', `${name} does not match the model it was converted from: ${what}.`, 'The conversion is broken; nothing was exported. Report this with the export log.');
  }
  const scores = await ctx.inference.client().send('inference.logprobs', {
    modelPath: file, tokens: ref.tokens, text: ref.text,
    positions: ref.positions.map((p) => ({ index: p.index, tokens: p.top.map(([id]) => id) })),
  });
  const agreement = logitAgreement(ref, scores);
  const tolerance = ggufTolerance(quant);
  const passed = agreement.meanKl <= tolerance.meanKl && (agreement.top1Agreement === null || agreement.top1Agreement >= tolerance.top1);
  const tokenizer = { sourceTokens: ref.tokens.length, ggufTokens: scores.textTokens?.length ?? null, identical: sameIds(scores.textTokens, ref.tokens) };
  if (!tokenizer.identical) {
    // The same rendered prompt must become the same ids, or every chat is fed something the model never saw.
    throw new LatheError(
      'INFERENCE_FAILED',
      `${name} tokenises differently from the model it was converted from: the reference prompt gives ${tokenizer.ggufTokens ?? 'no'} tokens in llama.cpp vs ${tokenizer.sourceTokens} in transformers${firstDifference(scores.textTokens, ref.tokens)}.`,
      'The vocabulary or its special tokens did not convert faithfully (check tokenizer_config.json lists added_tokens_decoder). Nothing was exported; report this with the export log.',
    );
  }
  if (!passed) {
    throw new LatheError(
      'INFERENCE_FAILED',
      `${name} does not compute what the source model computes: mean KL ${agreement.meanKl.toFixed(4)} nats (tolerance ${tolerance.meanKl} for ${quant}), top-1 agreement ${fmtShare(agreement.top1Agreement)} on ${agreement.decisivePositions} clear positions (needs ${fmtShare(tolerance.top1)}).`,
      'The conversion is broken or the quantisation too lossy for this model; try F16 or Q8_0, and report this with the export log. Nothing was exported.',
    );
  }
  return { loaded: true, quant, referenceDtype: ref.dtype, logits: { ...agreement, tolerance, passed }, tokenizer, metadata };
}

/** llama.cpp tokenises with special tokens parsed and nothing added (no BOS), as the rendered template is. */
function sameIds(gguf: number[] | null, source: number[]): boolean {
  if (!gguf) return false;
  return gguf.length === source.length && gguf.every((t, i) => t === source[i]);
}

function firstDifference(gguf: number[] | null, source: number[]): string {
  if (!gguf) return '';
  const i = source.findIndex((t, k) => gguf[k] !== t);
  return i < 0 ? '' : ` (first difference at position ${i}: ${gguf[i] ?? 'end'} vs ${source[i]})`;
}

function fmtShare(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(0)}%`;
}
