import { create } from 'zustand';
import type { ArgsOf, LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import type { ChatModel, ConversationSummary, PlaygroundMessage, PlaygroundSettings } from '../../../src/shared/contract/features/playground.js';
import type { ServingStatus } from '../../../src/shared/contract/features/serving.js';
import { getClient } from '../../stores/connection.js';
import { asErrorData } from '../../stores/errors.js';
import { toastError } from '../../stores/toasts.js';

export interface LaneTarget {
  modelId: string;
  adapterId: string;
}

export const DEFAULT_SETTINGS: PlaygroundSettings = {
  maxTokens: 256, temperature: 0.7, topP: 0.95, topK: 40, minP: 0.05, repeatPenalty: 1.1, seed: 0, stop: [], jsonSchema: null,
};

interface Streaming {
  requestId: string;
  content: string;
  text: Record<number, string>;
  /** The lane being generated now (lanes run one after the other). */
  lane: number;
}

interface PlaygroundStore {
  models: ChatModel[];
  modelsLoaded: boolean;
  conversations: ConversationSummary[];
  conversationId: string | null;
  messages: PlaygroundMessage[];
  mode: 'single' | 'side-by-side';
  targets: [LaneTarget, LaneTarget];
  system: string;
  settings: PlaygroundSettings;
  streaming: Streaming | null;
  laneErrors: Record<number, LatheErrorData>;
  load(): Promise<void>;
  setMode(mode: 'single' | 'side-by-side'): void;
  setTarget(lane: number, t: Partial<LaneTarget>): void;
  setSystem(system: string): void;
  setSettings(s: Partial<PlaygroundSettings>): void;
  newConversation(): void;
  open(conversationId: string): Promise<void>;
  remove(conversationId: string): Promise<void>;
  send(content: string): Promise<void>;
  stop(): Promise<void>;
  receiveToken(e: { requestId: string; lane: number; text: string }): void;
  markCorrected(messageId: string, versionId: string): void;
}

const emptyTarget = (): LaneTarget => ({ modelId: '', adapterId: '' });

/** Picks sensible lanes from the registry: a base on the left and, when one exists, the base + an adapter on the right. */
function defaultTargets(models: ChatModel[], current: [LaneTarget, LaneTarget]): [LaneTarget, LaneTarget] {
  const ggufs = models.filter((m) => m.kind === 'gguf');
  const adapters = models.filter((m) => m.kind === 'gguf-lora');
  const valid = (t: LaneTarget) => ggufs.some((m) => m.id === t.modelId);
  const left = valid(current[0]) ? current[0] : { modelId: ggufs[0]?.id ?? '', adapterId: '' };
  const adapter = adapters.find((a) => a.baseModelId === left.modelId) ?? adapters[0];
  const right = valid(current[1]) ? current[1] : adapter ? { modelId: adapter.baseModelId ?? left.modelId, adapterId: adapter.id } : { modelId: ggufs[1]?.id ?? left.modelId, adapterId: '' };
  return [left, right];
}

export const usePlayground = create<PlaygroundStore>((set, get) => ({
  models: [],
  modelsLoaded: false,
  conversations: [],
  conversationId: null,
  messages: [],
  mode: 'single',
  targets: [emptyTarget(), emptyTarget()],
  system: '',
  settings: DEFAULT_SETTINGS,
  streaming: null,
  laneErrors: {},

  async load() {
    try {
      const client = getClient();
      const [{ models }, { conversations }] = await Promise.all([client.send('playground.models', {}), client.send('playground.conversations', {})]);
      set((s) => ({ models, conversations, modelsLoaded: true, targets: defaultTargets(models, s.targets) }));
    } catch (err) {
      toastError('Could not load the playground', err);
      set({ modelsLoaded: true });
    }
  },

  setMode: (mode) => set({ mode }),
  setTarget: (lane, t) => set((s) => {
    const targets: [LaneTarget, LaneTarget] = [...s.targets];
    targets[lane] = { ...targets[lane]!, ...t };
    return { targets };
  }),
  setSystem: (system) => set({ system }),
  setSettings: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),
  newConversation: () => set({ conversationId: null, messages: [], laneErrors: {} }),

  async open(conversationId) {
    try {
      const { conversation, messages } = await getClient().send('playground.conversation', { conversationId });
      const targets = conversation.targets.map((t) => ({ modelId: t.modelId, adapterId: t.adapterIds[0] ?? '' }));
      set((s) => ({
        conversationId,
        messages,
        laneErrors: {},
        mode: conversation.mode,
        system: conversation.system,
        settings: conversation.settings,
        targets: [targets[0] ?? s.targets[0], targets[1] ?? s.targets[1]],
      }));
    } catch (err) {
      toastError('Could not open the conversation', err);
    }
  },

  async remove(conversationId) {
    try {
      await getClient().send('playground.deleteConversation', { conversationId });
      set((s) => ({ conversations: s.conversations.filter((c) => c.id !== conversationId), ...(s.conversationId === conversationId ? { conversationId: null, messages: [] } : {}) }));
    } catch (err) {
      toastError('Could not delete the conversation', err);
    }
  },

  async send(content) {
    const s = get();
    if (s.streaming || !content.trim()) return;
    const lanes = s.mode === 'side-by-side' ? s.targets : [s.targets[0]];
    const targets = lanes.map((t) => ({ modelId: t.modelId, adapterIds: t.adapterId ? [t.adapterId] : [] }));
    const requestId = crypto.randomUUID();
    set({ streaming: { requestId, content, text: {}, lane: 0 }, laneErrors: {} });
    try {
      const r = await getClient().send('playground.chat', { requestId, conversationId: s.conversationId, targets, system: s.system, settings: s.settings, content });
      const errors: Record<number, LatheErrorData> = {};
      for (const a of r.answers) if (a.error) errors[a.lane] = asErrorData(a.error);
      set((st) => ({
        conversationId: r.conversationId,
        messages: [...st.messages, r.userMessage, ...r.answers.flatMap((a) => (a.message ? [a.message] : []))],
        laneErrors: errors,
        streaming: null,
      }));
      const { conversations } = await getClient().send('playground.conversations', {});
      set({ conversations });
    } catch (err) {
      set({ streaming: null, laneErrors: { 0: asErrorData(err) } });
    }
  },

  async stop() {
    const streaming = get().streaming;
    if (streaming) await getClient().send('playground.cancel', { requestId: streaming.requestId }).catch(() => undefined);
  },

  receiveToken(e) {
    set((s) => {
      if (!s.streaming || s.streaming.requestId !== e.requestId) return {};
      return { streaming: { ...s.streaming, lane: e.lane, text: { ...s.streaming.text, [e.lane]: (s.streaming.text[e.lane] ?? '') + e.text } } };
    });
  },

  markCorrected(messageId, versionId) {
    set((s) => ({ messages: s.messages.map((m) => (m.id === messageId ? { ...m, correctedVersionId: versionId } : m)) }));
  },
}));

/** Streams playground.token events into the conversation; returns the function that stops listening. */
export function listenForTokens(): () => void {
  return getClient().listen('playground.token', (e) => usePlayground.getState().receiveToken(e));
}

export type SavedCorrection = ResultOf<'playground.saveCorrection'>;

/** Saves an edited answer as a training example in a new version of a task dataset, and marks the answer corrected. */
export async function saveCorrection(args: ArgsOf<'playground.saveCorrection'>): Promise<SavedCorrection> {
  const saved = await getClient().send('playground.saveCorrection', args);
  usePlayground.getState().markCorrected(args.messageId, saved.versionId);
  return saved;
}

/** The local OpenAI-compatible endpoint: whether it runs, and its URL and key. */
export async function loadServingStatus(): Promise<ServingStatus> {
  return getClient().send('serving.status', {});
}

export async function startServing(): Promise<ServingStatus> {
  return getClient().send('serving.start', {});
}

export async function stopServing(): Promise<ServingStatus> {
  return getClient().send('serving.stop', {});
}

export function modelLabel(models: ChatModel[], t: { modelId: string | null; adapterIds?: string[]; adapterId?: string }): string {
  const name = (id: string) => models.find((m) => m.id === id)?.name ?? 'removed model';
  const adapters = t.adapterIds ?? (t.adapterId ? [t.adapterId] : []);
  return [t.modelId ? name(t.modelId) : '—', ...adapters.map(name)].join(' + ');
}
