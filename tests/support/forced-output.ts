/**
 * Test support: what a test needs a model to say, by construction rather than by luck. The tiny test model is
 * pre-trained at test time and is not bit-identical across CPUs, so on another machine it is another, equally
 * valid model: it may answer with end-of-sequence at once (0 tokens), say other words, and so on. A JSON schema
 * given to llama.cpp as a grammar only lets through tokens that keep the answer valid, and end-of-sequence only
 * once it is: that is what these schemas lean on.
 *
 * One thing the grammar does not settle: node-llama-cpp holds back trailing whitespace, so an answer cut at
 * maxTokens right after a space reports (and streams) fewer tokens than were generated. Only fixedAnswer, which
 * has no whitespace, makes the reported count exact.
 */

/** More characters than one token of a test model can carry (the tiny model's longest piece has 12). */
const MAX_CHARS_PER_TOKEN = 32;
/** llama.cpp refuses one repetition of 2,000 or more; strings this long stay below it. */
const MAX_STRING = 1000;

/**
 * A schema that no answer shorter than `tokens` tokens satisfies, and that leaves the words to the model: a
 * model held to it cannot stop early, so with maxTokens ≤ `tokens` it stops with stopReason 'maxTokens'
 * ("length"). The answer is a JSON string (or an array of long strings), so it is never empty: it starts with
 * `"` (or `[`). Use it where what the model chooses matters (an adapter changes the answer, a stop string).
 */
export function atLeastTokens(tokens: number): Record<string, unknown> {
  const chars = tokens * MAX_CHARS_PER_TOKEN;
  if (chars <= MAX_STRING) return { type: 'string', minLength: chars };
  return { type: 'array', minItems: Math.ceil(chars / MAX_STRING), items: { type: 'string', minLength: MAX_STRING } };
}

/**
 * A schema with exactly one answer, `"xxxx…`, longer than `tokens` tokens: the model no longer chooses the words.
 * With maxTokens ≤ `tokens` the answer is exactly maxTokens tokens of it (reported and streamed in full: it has
 * no whitespace), and stops with stopReason 'maxTokens'. Use it where a test counts tokens.
 */
export function fixedAnswer(tokens: number): Record<string, unknown> {
  return { const: 'x'.repeat(tokens * MAX_CHARS_PER_TOKEN) };
}

/** What fixedAnswer's answer looks like when it is cut at maxTokens. */
export const FIXED_ANSWER_TEXT = /^"x+$/;
