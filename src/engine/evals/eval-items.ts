import type { ExampleContent } from '../../shared/contract/features/datasets.js';

/** One question the eval asks: what the model sees, and the answer the dataset holds as reference. */
export interface EvalQuestion {
  position: number;
  exampleHash: string;
  system: string | undefined;
  history: Array<{ role: 'user' | 'assistant'; content: string }>;
  prompt: string;
  reference: string;
}

/**
 * Turns a chat example into a question: the last assistant message is the reference, the user message before
 * it the prompt, anything earlier the history. Plain-text examples (continued pre-training data) and chats
 * without a user → assistant turn have no reference answer and are left out (null).
 */
export function toQuestion(position: number, exampleHash: string, content: ExampleContent): EvalQuestion | null {
  if (content.kind !== 'chat') return null;
  const msgs = content.messages;
  let answer = -1;
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (msgs[i]!.role === 'assistant') {
      answer = i;
      break;
    }
  }
  if (answer < 1 || msgs[answer - 1]!.role !== 'user') return null;
  const prompt = msgs[answer - 1]!.content;
  if (!prompt.trim()) return null;
  const system = msgs.filter((m, i) => m.role === 'system' && i < answer).map((m) => m.content).join('\n') || undefined;
  const history = msgs
    .slice(0, answer - 1)
    .filter((m): m is { role: 'user' | 'assistant'; content: string } => m.role === 'user' || m.role === 'assistant');
  return { position, exampleHash, system, history, prompt, reference: msgs[answer]!.content };
}
