import { describe, expect, it } from 'vitest';
import { objectiveFor } from './version-kind.js';

describe('objective that fits the data', () => {
  it('suggests DPO for pairs, KTO for labelled answers, CPT for text, SFT for chats, and keeps a choice that fits', () => {
    expect(objectiveFor('preference', 'sft')).toBe('dpo');
    expect(objectiveFor('preference', 'simpo')).toBe('simpo');
    expect(objectiveFor('preference', 'kto')).toBe('kto'); // pairs train KTO too (chosen desirable, rejected not)
    expect(objectiveFor('kto', 'dpo')).toBe('kto');
    expect(objectiveFor('text', 'sft')).toBe('cpt');
    expect(objectiveFor('chat', 'orpo')).toBe('sft');
    expect(objectiveFor('chat', 'cpt')).toBe('cpt');
  });
});
