import { Template } from '@huggingface/jinja';
import {
  JinjaTemplateChatWrapper,
  LlamaText,
  SpecialToken,
  SpecialTokensText,
  type ChatHistoryItem,
  type ChatWrapper,
  type ChatWrapperGenerateContextStateOptions,
  type LlamaModel,
} from 'node-llama-cpp';

/**
 * The chat format a model was trained with: its own Jinja template, stored byte for byte in the GGUF.
 *
 * node-llama-cpp by default swaps a recognised template for its own wrapper of that family, which renders what
 * the model never saw (Llama 3.1 gains "Tool Instructions" and today's date, Qwen loses its default system
 * prompt, Gemma and Mistral get system text merged with other separators, Phi-3 gets extra tokens). Every
 * inference path (playground, evals, judge, synthetic data, the OpenAI endpoint) renders through this instead,
 * so what llama.cpp is fed equals `apply_chat_template(messages, add_generation_prompt=True)` in transformers.
 *
 * That takes rendering and tokenising the way transformers does, which node-llama-cpp's JinjaTemplateChatWrapper
 * alone does not: it renders the answer being generated as an (empty) assistant message instead of asking for
 * the generation prompt (Qwen3's template then writes an empty <think></think> block; Mistral v0.3's, which shows
 * the system message only with the last user turn, loses it and the wrapper throws), its sanity test throws for
 * a template that refuses system messages (Gemma 2), and it tokenises the template's text and each message
 * separately, so a sentencepiece tokenizer gets other pieces at the seams (Phi-3 loses the newline after
 * <|user|>, Gemma's turn tokens merge with their neighbours). So `TrainedChatWrapper` renders the conversation
 * with `add_generation_prompt` and the GGUF's own BOS/EOS strings, and hands llama.cpp the whole text to
 * tokenise at once with special tokens parsed — as transformers tokenises the rendered text.
 *
 * Templates without a system role (Gemma 2) refuse a system message; the trainer then merges it into the first
 * user turn as "SYSTEM\n\nUSER", and so does `fitSystemToTemplate` here, so both sides see the same text.
 */
export interface TrainedTemplate {
  wrapper: ChatWrapper;
  /** False when the template refuses system messages; callers merge them with `fitSystemToTemplate`. */
  supportsSystem: boolean;
}

type Message = { role: 'system' | 'user' | 'assistant'; content: string };

/** The marker an assistant turn is rendered with to find the text the template closes the turn with. */
const TURN_MARK = '\ue000lathe-reply\ue001';

export class TrainedChatWrapper extends JinjaTemplateChatWrapper {
  private readonly jinja: Template;
  private readonly specials: Record<string, string>;
  /** What the template writes right after an assistant reply (its end-of-turn text), when it can tell. */
  private readonly endOfTurn: string | null;

  constructor(model: LlamaModel, template: string) {
    // The parent is built only for its settings (segment markers such as Qwen3's <think>); its sanity test must not
    // throw for templates without a system role, and it never renders a conversation here (generateContextState).
    super({ template, reasoning: null, trimLeadingWhitespaceInResponses: false, convertUnsupportedSystemMessagesToUserMessages: 'auto', tokenizer: model.tokenizer });
    this.jinja = new Template(template);
    this.specials = {};
    if (model.tokens.bosString) this.specials.bos_token = model.tokens.bosString;
    if (model.tokens.eosString) this.specials.eos_token = model.tokens.eosString;
    this.endOfTurn = this.findEndOfTurn();
  }

  /** The conversation as transformers' apply_chat_template renders it (add_generation_prompt when asked). */
  render(messages: Message[], addGenerationPrompt: boolean): string {
    return this.jinja.render({ ...this.specials, messages, add_generation_prompt: addGenerationPrompt });
  }

  override generateContextState(options: ChatWrapperGenerateContextStateOptions): ReturnType<JinjaTemplateChatWrapper['generateContextState']> {
    if (options.availableFunctions && Object.keys(options.availableFunctions).length) return super.generateContextState(options);
    const history = [...options.chatHistory];
    // The answer being generated is the trailing model item: the prompt ends with the generation prompt, followed
    // by whatever of that answer already exists (a continuation).
    const answer = history.at(-1)?.type === 'model' ? (history.pop() as Extract<ChatHistoryItem, { type: 'model' }>) : null;
    const prompt = this.render(history.map(toMessage), true);
    const partial = answer ? responseText(answer) : '';
    return {
      contextText: LlamaText([new SpecialTokensText(prompt), ...(partial ? [partial] : [])]),
      stopGenerationTriggers: [
        LlamaText(new SpecialToken('EOS')),
        LlamaText(new SpecialToken('EOT')),
        ...(this.endOfTurn ? [LlamaText(new SpecialTokensText(this.endOfTurn))] : []),
      ],
      ignoreStartText: [],
      transformedSystemMessagesToUserMessages: false,
    };
  }

  private findEndOfTurn(): string | null {
    try {
      const text = this.render([{ role: 'user', content: 'u' }, { role: 'assistant', content: TURN_MARK }], false);
      const after = text.slice(text.indexOf(TURN_MARK) + TURN_MARK.length);
      const closing = /^\s*(\S+)/.exec(after)?.[1] ?? null;
      return text.includes(TURN_MARK) && closing ? closing : null;
    } catch {
      return null;
    }
  }
}

function toMessage(item: ChatHistoryItem): Message {
  if (item.type === 'system') return { role: 'system', content: typeof item.text === 'string' ? item.text : LlamaText.fromJSON(item.text).toString() };
  if (item.type === 'user') return { role: 'user', content: item.text };
  return { role: 'assistant', content: responseText(item) };
}

function responseText(item: Extract<ChatHistoryItem, { type: 'model' }>): string {
  return item.response.filter((r): r is string => typeof r === 'string').join('');
}

const cache = new WeakMap<LlamaModel, TrainedTemplate | null>();

/** The model's own template, or null when the GGUF carries none (node-llama-cpp's resolution then applies). */
export function trainedTemplate(model: LlamaModel): TrainedTemplate | null {
  if (cache.has(model)) return cache.get(model)!;
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  let resolved: TrainedTemplate | null = null;
  if (typeof template === 'string' && template.trim()) {
    try {
      const wrapper = new TrainedChatWrapper(model, template);
      let supportsSystem = true;
      try {
        wrapper.render([{ role: 'system', content: 's' }, { role: 'user', content: 'u' }], true);
      } catch {
        supportsSystem = false; // "System role not supported" (Gemma 2)
      }
      resolved = { wrapper, supportsSystem };
    } catch {
      resolved = plainJinja(model, template); // a template @huggingface/jinja cannot parse (llama.cpp's renderer may)
    }
  }
  cache.set(model, resolved);
  return resolved;
}

/** node-llama-cpp's own Jinja wrapper (its renderer falls back to llama.cpp's), or null: its family resolution. */
function plainJinja(model: LlamaModel, template: string): TrainedTemplate | null {
  try {
    const wrapper = new JinjaTemplateChatWrapper({ template, reasoning: null, trimLeadingWhitespaceInResponses: false, convertUnsupportedSystemMessagesToUserMessages: 'auto', tokenizer: model.tokenizer });
    return { wrapper, supportsSystem: wrapper.settings.supportsSystemMessages };
  } catch {
    return null;
  }
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
