import type { ExampleContent, ExampleMessage } from '../../../src/shared/contract/index.js';

const roleLabel: Record<ExampleMessage['role'], string> = { system: 'System', user: 'User', assistant: 'Assistant', tool: 'Tool result' };

/**
 * One example as the model will see it: a system prompt, then user and assistant turns as bubbles (tool calls and
 * tool results included), or a block of plain text. A preference pair shows its prompt, then the chosen and the
 * rejected answer side by side; a KTO example its conversation and whether the last answer is desirable.
 * `compact` clamps long turns for previews; the side panel shows everything.
 */
export function ExampleView({ content, compact = false }: { content: ExampleContent; compact?: boolean }) {
  if (content.kind === 'text') {
    return (
      <div className={`example-text${compact ? ' is-compact' : ''}`} data-testid="example-text">
        <span className="chat-text">{content.text}</span>
      </div>
    );
  }
  const tools = content.tools?.length ? <ToolList tools={content.tools} /> : null;
  if (content.kind === 'preference') {
    return (
      <div className={`chat${compact ? ' is-compact' : ''}`} data-testid="example-preference">
        {tools}
        <Turns turns={content.prompt} />
        <div className="pair">
          <Side label="Chosen" tone="good" turns={content.chosen} testId="pair-chosen" />
          <Side label="Rejected" tone="bad" turns={content.rejected} testId="pair-rejected" />
        </div>
      </div>
    );
  }
  return (
    <div className={`chat${compact ? ' is-compact' : ''}`}>
      {tools}
      <Turns turns={content.messages} />
      {content.kind === 'kto' && (
        <span className={`kto-label is-${content.label ? 'good' : 'bad'}`} data-testid="kto-label">
          {content.label ? 'Desirable answer' : 'Undesirable answer'}
        </span>
      )}
    </div>
  );
}

function Turns({ turns }: { turns: ExampleMessage[] }) {
  return (
    <>
      {turns.map((m, i) => (
        <div key={i} className={`chat-turn is-${m.role}${m.weight === 0 ? ' is-untrained' : ''}`} data-role={m.role} data-testid="chat-turn">
          <span className="chat-role">
            {roleLabel[m.role]}
            {m.name ? ` · ${m.name}` : ''}
            {m.weight === 0 && <span className="chat-tag" title="Weight 0: context only, never a training target">not trained</span>}
          </span>
          <div className="chat-bubble">
            {m.reasoning && <span className="chat-reasoning">{m.reasoning}</span>}
            {/* The clamp sits on an inner element so the bubble's padding never shows a cut line. */}
            {(m.content || !m.tool_calls) && <span className="chat-text">{m.content || <span className="chat-empty">(empty)</span>}</span>}
            {m.tool_calls?.map((c, j) => (
              <code key={j} className="chat-call" data-testid="tool-call">
                {c.function.name}({c.function.arguments})
              </code>
            ))}
          </div>
        </div>
      ))}
    </>
  );
}

function Side({ label, tone, turns, testId }: { label: string; tone: 'good' | 'bad'; turns: ExampleMessage[]; testId: string }) {
  return (
    <div className={`pair-side is-${tone}`} data-testid={testId}>
      <span className="pair-label">{label}</span>
      <Turns turns={turns} />
    </div>
  );
}

function ToolList({ tools }: { tools: Array<Record<string, unknown>> }) {
  const names = tools.map((t) => String((t.function as { name?: unknown } | undefined)?.name ?? t.name ?? 'tool'));
  return (
    <div className="chat-tools" data-testid="example-tools">
      <span className="chat-role">Tools</span>
      <span className="chat-tools-list">{names.map((n) => <code key={n}>{n}</code>)}</span>
    </div>
  );
}
