import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTrainerCommand, type TrainerEvent } from './trainer-command.js';

export interface GreedyAnswer { question: string; answer: string; reference: string; exact: boolean }
export interface GreedyEvalResult { base: GreedyAnswer[]; tuned: GreedyAnswer[]; baseExact: number; tunedExact: number; seconds: number }

/**
 * Greedy answers of the base model and of base + LoRA adapter to held-out chat examples, scored by exact match
 * after SQuAD-style normalisation — `python -m lathe_trainer greedy-eval` (lathe_trainer/greedy_eval.py): prompts
 * rendered as training renders them, the run's own adapter through peft (no conversion), offline, and stopped with
 * the engine like every trainer command.
 */
export async function greedyExactMatch(opts: { baseModelDir: string; adapterDir: string; questionsJsonl: string; maxNewTokens?: number; dataDir?: string; onEvent?: (e: TrainerEvent) => void; signal?: AbortSignal }): Promise<GreedyEvalResult> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-greedy-'));
  const config = path.join(work, 'greedy.json');
  fs.writeFileSync(config, JSON.stringify({ model: opts.baseModelDir, adapter: opts.adapterDir, data: opts.questionsJsonl, max_new_tokens: opts.maxNewTokens ?? 24 }));
  try {
    const done = await runTrainerCommand(['greedy-eval', '--config', config], {
      dataDir: opts.dataDir, onEvent: opts.onEvent, signal: opts.signal,
      env: { OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? String(Math.max(1, os.availableParallelism() - 1)) },
    });
    return { base: done.base as GreedyAnswer[], tuned: done.tuned as GreedyAnswer[], baseExact: Number(done.base_exact), tunedExact: Number(done.tuned_exact), seconds: Number(done.seconds) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
