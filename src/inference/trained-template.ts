import { JinjaTemplateChatWrapper, type ChatWrapper, type LlamaModel } from 'node-llama-cpp';

/**
 * The chat format a model was trained with: its own Jinja template, stored byte for byte in the GGUF.
 *
 * node-llama-cpp by default swaps a recognised template for its own wrapper of that family, which renders what
 * the model never saw (Llama 3.1 gains "Tool Instructions" and today's date, Qwen loses its default system
 * prompt, Gemma and Mistral get system text merged with other separators, Phi-3 gets extra tokens). Every
 * inference path (playground, evals, judge, synthetic data, the OpenAI endpoint) renders through this instead,
 * so what llama.cpp is fed equals `apply_chat_template(messages, add_generation_prompt=True)` in transformers.
 *
 * Templates without a system role (Gemma) refuse a system message; the trainer then merges it into the first
 * user turn as "SYSTEM\n\nUSER", and so does `fitSystemToTemplate` here, so both sides see the same text.
 */
export interface TrainedTemplate {
  wrapper: ChatWrapper;
  /** False when the template refuses system messages; callers merge them with `fitSystemToTemplate`. */
  supportsSystem: boolean;
}

const cache = new WeakMap<LlamaModel, TrainedTemplate | null>();

/** The model's own template, or null when the GGUF carries none (node-llama-cpp's resolution then applies). */
export function trainedTemplate(model: LlamaModel): TrainedTemplate | null {
  if (cache.has(model)) return cache.get(model)!;
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  let resolved: TrainedTemplate | null = null;
  if (typeof template === 'string' && template.trim()) {
    const make = (convert: boolean) =>
      new JinjaTemplateChatWrapper({
        template,
        // the template's own default for thinking (transformers passes nothing either)
        reasoning: null,
        // history is rendered as stored, as the trainer renders it
        trimLeadingWhitespaceInResponses: false,
        convertUnsupportedSystemMessagesToUserMessages: convert ? 'auto' : false,
        tokenizer: model.tokenizer,
      });
    try {
      const wrapper = make(false);
      wrapper.generateContextState({ chatHistory: [{ type: 'system', text: 's' }, { type: 'user', text: 'u' }, { type: 'model', response: [] }] });
      resolved = { wrapper, supportsSystem: true };
    } catch {
      resolved = { wrapper: make(false), supportsSystem: false };
    }
  }
  cache.set(model, resolved);
  return resolved;
}

/**
 * A chat request in the form the template accepts: unchanged where it has a system role; otherwise the system
 * text folded into the first user turn ("SYSTEM\n\nUSER") — an earlier turn of the history, or the new prompt.
 */
export function fitSystemToTemplate(
  tpl: TrainedTemplate | null,
  req: { system?: string | undefined; history: Array<{ role: 'user' | 'assistant'; content: string }>; prompt: string },
): { system: string | undefined; history: Array<{ role: 'user' | 'assistant'; content: string }>; prompt: string } {
  if (!tpl || tpl.supportsSystem || !req.system) return { system: req.system, history: req.history, prompt: req.prompt };
  const first = req.history.findIndex((m) => m.role === 'user');
  if (first < 0) return { system: undefined, history: req.history, prompt: `${req.system}\n\n${req.prompt}` };
  const history = req.history.map((m, i) => (i === first ? { role: m.role, content: `${req.system}\n\n${m.content}` } : m));
  return { system: undefined, history, prompt: req.prompt };
}
