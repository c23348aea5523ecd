import type { ColumnMapping, Detection, FileType, TaskFormat } from '../../../src/shared/contract/index.js';

export type MappingSlot = keyof ColumnMapping;

export interface SlotSpec {
  slot: MappingSlot;
  label: string;
  required: boolean;
}

export const formatLabels: Record<TaskFormat, string> = {
  'openai-chat': 'OpenAI chat',
  sharegpt: 'ShareGPT',
  alpaca: 'Alpaca',
  'prompt-completion': 'Prompt / completion',
  text: 'Plain text',
  preference: 'Preference pairs',
  kto: 'KTO (labelled answers)',
};

export const formatHints: Record<TaskFormat, string> = {
  'openai-chat': 'a list of {role, content} messages per row.',
  sharegpt: 'a list of {from, value} turns per row.',
  alpaca: 'an instruction, an optional input, and the output to learn.',
  'prompt-completion': 'one prompt and the completion to learn.',
  text: 'raw text for continued pre-training.',
  preference: 'a prompt with a chosen and a rejected answer, for DPO, ORPO or SimPO.',
  kto: 'a conversation whose last answer is labelled desirable or undesirable, for KTO.',
};

export const fileTypeLabels: Record<FileType, string> = { jsonl: 'JSON Lines', json: 'JSON', csv: 'CSV', tsv: 'TSV', parquet: 'Parquet' };

export const encodingLabels: Record<Detection['encoding'], string> = {
  'utf-8': 'UTF-8',
  'utf-8-bom': 'UTF-8 (BOM)',
  'utf-16le': 'UTF-16 LE',
  'utf-16be': 'UTF-16 BE',
};

/** Which source fields each format reads, in the order a person thinks of them. */
export const formatSlots: Record<TaskFormat, SlotSpec[]> = {
  'openai-chat': [
    { slot: 'messages', label: 'Messages', required: true },
    { slot: 'tools', label: 'Tools', required: false },
    { slot: 'system', label: 'System prompt', required: false },
  ],
  sharegpt: [
    { slot: 'messages', label: 'Conversation', required: true },
    { slot: 'tools', label: 'Tools', required: false },
    { slot: 'system', label: 'System prompt', required: false },
  ],
  alpaca: [
    { slot: 'instruction', label: 'Instruction', required: true },
    { slot: 'input', label: 'Input', required: false },
    { slot: 'output', label: 'Output', required: true },
    { slot: 'system', label: 'System prompt', required: false },
  ],
  'prompt-completion': [
    { slot: 'prompt', label: 'Prompt', required: true },
    { slot: 'completion', label: 'Completion', required: true },
    { slot: 'system', label: 'System prompt', required: false },
  ],
  text: [{ slot: 'text', label: 'Text', required: true }],
  preference: [
    { slot: 'prompt', label: 'Prompt', required: false },
    { slot: 'messages', label: 'Prompt messages', required: false },
    { slot: 'chosen', label: 'Chosen answer', required: true },
    { slot: 'rejected', label: 'Rejected answer', required: true },
    { slot: 'tools', label: 'Tools', required: false },
    { slot: 'system', label: 'System prompt', required: false },
  ],
  kto: [
    { slot: 'messages', label: 'Conversation', required: false },
    { slot: 'prompt', label: 'Prompt', required: false },
    { slot: 'completion', label: 'Completion', required: false },
    { slot: 'label', label: 'Desirable?', required: true },
    { slot: 'tools', label: 'Tools', required: false },
  ],
};

/** The mapping with one slot changed; an empty field removes the slot (the engine then uses its default). */
export function withSlot(mapping: ColumnMapping, slot: MappingSlot, field: string): ColumnMapping {
  const next: ColumnMapping = { ...mapping };
  if (field) next[slot] = field;
  else delete next[slot];
  return next;
}

/** Only the slots the format reads, so a mapping left over from another format does not travel along. */
export function mappingFor(format: TaskFormat, mapping: ColumnMapping): ColumnMapping {
  const out: ColumnMapping = {};
  for (const { slot } of formatSlots[format]) {
    const field = mapping[slot];
    if (field) out[slot] = field;
  }
  return out;
}
