import { describe, expect, it } from 'vitest';
import { ollamaModelfile } from './ollama-modelfile.js';

describe('Ollama Modelfile', () => {
  it('translates a ChatML template and sets its stop tokens and context', () => {
    const { text, templateFamily } = ollamaModelfile({ ggufFile: 'm-q4_k_m.gguf', chatTemplate: "{{ '<|im_start|>' + message['role'] }}", contextLength: 4096 });
    expect(templateFamily).toBe('ChatML');
    expect(text).toMatch(/^FROM \.\/m-q4_k_m\.gguf$/m);
    expect(text).toContain('TEMPLATE """{{ if .System }}<|im_start|>system');
    expect(text).toContain('PARAMETER stop "<|im_end|>"');
    expect(text).toContain('PARAMETER num_ctx 4096');
  });

  it('recognises Llama 3 headers', () => {
    expect(ollamaModelfile({ ggufFile: 'a.gguf', chatTemplate: '<|start_header_id|>user<|end_header_id|>', contextLength: null }).templateFamily).toBe('Llama 3');
  });

  it('leaves TEMPLATE out for an unknown template (Ollama then uses the GGUF’s own), and escapes a system prompt', () => {
    const { text, templateFamily } = ollamaModelfile({ ggufFile: 'a.gguf', chatTemplate: '{% for m in messages %}<turn>{{ m.content }}{% endfor %}', contextLength: null, system: 'Say """hi"""' });
    expect(templateFamily).toBeNull();
    expect(text).not.toMatch(/^TEMPLATE/m);
    expect(text).toContain(`SYSTEM """Say "hi" """`);
    expect(text).not.toContain('num_ctx');
  });
});
