import type { ExampleContent, ExampleMessage } from '../contract/features/datasets.js';

/**
 * Reading an example whatever its kind. Every feature that looks at the words of an example (search, filters, PII,
 * dedup, token counts, contamination, the review card) goes through these, so a new kind is handled everywhere at
 * once instead of falling through a `kind === 'text' ? … : messages` test written in twenty places.
 */

/** Every turn in reading order: a preference example's prompt, then its chosen answer, then its rejected one. */
export function exampleTurns(content: ExampleContent): ExampleMessage[] {
  switch (content.kind) {
    case 'text':
      return [];
    case 'chat':
    case 'kto':
      return content.messages;
    case 'preference':
      return [...content.prompt, ...content.chosen, ...content.rejected];
  }
}

/** The words of an example: its text, or each turn's content, reasoning and tool-call arguments. */
export function exampleTexts(content: ExampleContent): string[] {
  if (content.kind === 'text') return [content.text];
  const out: string[] = [];
  for (const m of exampleTurns(content)) {
    out.push(m.content);
    if (m.reasoning) out.push(m.reasoning);
    for (const call of m.tool_calls ?? []) out.push(call.function.arguments);
  }
  return out;
}

/** `exampleTexts` joined into one string. */
export function exampleText(content: ExampleContent, separator = '\n'): string {
  return exampleTexts(content).join(separator);
}

/** The same example with every text (content, reasoning, tool-call arguments) passed through `f`; everything else kept. */
export function mapExampleTexts(content: ExampleContent, f: (text: string) => string): ExampleContent {
  const turn = (m: ExampleMessage): ExampleMessage => ({
    ...m,
    content: f(m.content),
    ...(m.reasoning !== undefined ? { reasoning: f(m.reasoning) } : {}),
    ...(m.tool_calls ? { tool_calls: m.tool_calls.map((c) => ({ ...c, function: { ...c.function, arguments: f(c.function.arguments) } })) } : {}),
  });
  switch (content.kind) {
    case 'text':
      return { ...content, text: f(content.text) };
    case 'chat':
    case 'kto':
      return { ...content, messages: content.messages.map(turn) };
    case 'preference':
      return { ...content, prompt: content.prompt.map(turn), chosen: content.chosen.map(turn), rejected: content.rejected.map(turn) };
  }
}

/** What a person calls each kind, for stats and labels. */
export const EXAMPLE_KIND_LABEL: Record<ExampleContent['kind'], string> = {
  chat: 'conversation',
  text: 'text',
  preference: 'preference pair',
  kto: 'labelled answer',
};

/** Each turn's label, in `exampleTurns` order (e.g. "User", "Chosen · assistant", "Tool result"); ["Text"] for a text example. */
export function exampleTurnLabels(content: ExampleContent): string[] {
  if (content.kind === 'text') return ['Text'];
  const name = (role: string) => (role === 'tool' ? 'Tool result' : role[0]!.toUpperCase() + role.slice(1));
  if (content.kind !== 'preference') return content.messages.map((m) => name(m.role));
  return [
    ...content.prompt.map((m) => name(m.role)),
    ...content.chosen.map((m) => `Chosen · ${m.role}`),
    ...content.rejected.map((m) => `Rejected · ${m.role}`),
  ];
}

/** The example with the content of turn `index` (counted as `exampleTurns` counts) replaced; a text example's text when it has no turns. */
export function withTurnContent(content: ExampleContent, index: number, text: string): ExampleContent {
  if (content.kind === 'text') return { ...content, text };
  let at = 0;
  const edit = (turns: ExampleMessage[]) => turns.map((m) => (at++ === index ? { ...m, content: text } : m));
  if (content.kind === 'preference') {
    const prompt = edit(content.prompt);
    const chosen = edit(content.chosen);
    return { ...content, prompt, chosen, rejected: edit(content.rejected) };
  }
  return { ...content, messages: edit(content.messages) };
}
