import { useEffect, useState } from 'react';
import { Button } from '../../components/Button.js';
import { EmptyState, OptionCard } from '../../components/EmptyState.js';
import { ActivityIcon, ChatIcon, CubeIcon, GitCompareIcon, XIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import type { PlaygroundMessage } from '../../../src/shared/contract/features/playground.js';
import { useConnection } from '../../stores/connection.js';
import { pageHref, pages } from '../shell/pages.js';
import { ChatLane } from './ChatLane.js';
import { Composer } from './Composer.js';
import { CorrectDialog } from './CorrectDialog.js';
import { ModelPicker } from './ModelPicker.js';
import { listenForTokens, modelLabel, usePlayground } from './playground-store.js';
import { ServingPanel } from './ServingPanel.js';
import { useCan } from '../../stores/session.js';
import { RoleNote } from '../auth/RoleNote.js';
import { SettingsPanel } from './SettingsPanel.js';
import '../../styles/playground.css';

/** Chat with a registered GGUF model (with an adapter), or two side by side; conversations are saved. */
export function PlaygroundPage() {
  const canLabel = useCan('label');
  const canAdmin = useCan('admin');
  const status = useConnection((s) => s.status);
  const { load, models, modelsLoaded, mode, setMode, newConversation, streaming, targets } = usePlayground();
  const [correcting, setCorrecting] = useState<PlaygroundMessage | null>(null);

  useEffect(() => {
    if (status !== 'open') return;
    void load();
    return listenForTokens();
  }, [status, load]);

  const hasModels = models.some((m) => m.kind === 'gguf');
  if (modelsLoaded && !hasModels) {
    return (
      <>
        <PageHeader {...pages.playground} />
        <EmptyState
          id="playground"
          icon={ChatIcon}
          title="Nothing to chat with yet"
          description="The Playground runs GGUF models locally on llama.cpp — CPU, CUDA or Vulkan — and can send one prompt to a base model and its tuned version at once, so you can see what training changed."
        >
          <div className="option-grid">
            <OptionCard icon={CubeIcon} title="Register a GGUF model" href={pageHref('models')}>
              Import a GGUF file, or convert an imported Hugging Face model to GGUF on the Models page.
            </OptionCard>
            <OptionCard icon={ActivityIcon} title="Compare base and tuned" href={pageHref('runs')}>
              Finish a training run and convert its adapter to GGUF; it appears here next to its base.
            </OptionCard>
          </div>
        </EmptyState>
      </>
    );
  }

  const lanes = mode === 'side-by-side' ? [0, 1] : [0];
  return (
    <>
      <PageHeader
        {...pages.playground}
        actions={
          <>
            <div className="segmented" role="radiogroup" aria-label="Mode">
              <button type="button" role="radio" aria-checked={mode === 'single'} className={mode === 'single' ? 'is-selected' : ''} disabled={Boolean(streaming)} onClick={() => setMode('single')} data-testid="pg-mode-single">
                <ChatIcon size={14} /> Single
              </button>
              <button type="button" role="radio" aria-checked={mode === 'side-by-side'} className={mode === 'side-by-side' ? 'is-selected' : ''} disabled={Boolean(streaming)} onClick={() => setMode('side-by-side')} data-testid="pg-mode-side">
                <GitCompareIcon size={14} /> Side by side
              </button>
            </div>
            <Button variant="secondary" onClick={newConversation} disabled={Boolean(streaming)} data-testid="pg-new">New chat</Button>
          </>
        }
      />
      <div className="pg-layout">
        <History />
        <section className="pg-main" aria-label="Conversation">
          <div className={`pg-lanes ${lanes.length === 2 ? 'is-two' : ''}`}>
            {lanes.map((lane) => (
              <div className="pg-lane" key={lane}>
                <ModelPicker lane={lane} />
                <div className="pg-lane-title" title={modelLabel(models, targets[lane]!)}>{modelLabel(models, targets[lane]!)}</div>
                <ChatLane lane={lane} onCorrect={setCorrecting} />
              </div>
            ))}
          </div>
          {canLabel ? <Composer ready={hasModels} /> : <RoleNote needs="label" testId="pg-role-note" />}
        </section>
        <aside className="pg-side" aria-label="Settings">
          <h2 className="pg-side-title">Settings</h2>
          <SettingsPanel />
          <h2 className="pg-side-title pg-side-gap">Local API</h2>
          {canAdmin ? <ServingPanel /> : <RoleNote needs="admin" testId="pg-serving-role-note" />}
        </aside>
      </div>
      <CorrectDialog message={correcting} onClose={() => setCorrecting(null)} />
    </>
  );
}

function History() {
  const { conversations, conversationId, open, remove, streaming } = usePlayground();
  return (
    <nav className="pg-history" aria-label="Conversations">
      <h2 className="pg-side-title">History</h2>
      {conversations.length === 0 && <p className="pg-muted pg-history-empty">Conversations you start are saved here.</p>}
      <ul>
        {conversations.map((c) => (
          <li key={c.id} className={c.id === conversationId ? 'is-current' : ''}>
            <button type="button" className="pg-history-item" disabled={Boolean(streaming)} onClick={() => void open(c.id)} data-testid="pg-history-item">
              <span className="pg-history-title">{c.title}</span>
              <span className="pg-history-meta">{c.mode === 'side-by-side' ? 'Side by side' : 'Single'} · {c.messageCount} messages</span>
            </button>
            <button type="button" className="pg-history-delete" aria-label={`Delete “${c.title}”`} disabled={Boolean(streaming)} onClick={() => void remove(c.id)}>
              <XIcon size={13} />
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
