import { describe, expect, it } from 'vitest';
import { fileKind } from './file-kind.js';

describe('the kind of an exported file', () => {
  it('gives the merged weights their dtype and the text files their role, not the dtype', () => {
    expect(fileKind({ path: 'merged/model.safetensors', format: 'merged', quant: 'bfloat16' })).toBe('weights · bfloat16');
    expect(fileKind({ path: 'merged/config.json', format: 'merged', quant: null })).toBe('config');
    expect(fileKind({ path: 'merged/tokenizer_config.json', format: 'merged', quant: null })).toBe('tokenizer');
    expect(fileKind({ path: 'merged/chat_template.jinja', format: 'merged', quant: null })).toBe('chat template');
    expect(fileKind({ path: 'grid-q4_k_m.gguf', format: 'gguf', quant: 'Q4_K_M' })).toBe('Q4_K_M');
    expect(fileKind({ path: 'Modelfile', format: 'modelfile', quant: null })).toBe('modelfile');
  });
});
