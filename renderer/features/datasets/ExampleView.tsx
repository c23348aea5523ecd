import type { ChatMessage, ExampleContent } from '../../../src/shared/contract/index.js';

const roleLabel: Record<ChatMessage['role'], string> = { system: 'System', user: 'User', assistant: 'Assistant' };

/**
 * One example as the model will see it: a system prompt, then user and assistant turns as bubbles, or a block of
 * plain text. `compact` clamps long turns for previews; the side panel shows everything.
 */
export function ExampleView({ content, compact = false }: { content: ExampleContent; compact?: boolean }) {
  if (content.kind === 'text') {
    return (
      <div className={`example-text${compact ? ' is-compact' : ''}`} data-testid="example-text">
        <span className="chat-text">{content.text}</span>
      </div>
    );
  }
  return (
    <div className={`chat${compact ? ' is-compact' : ''}`}>
      {content.messages.map((m, i) => (
        <div key={i} className={`chat-turn is-${m.role}`} data-role={m.role} data-testid="chat-turn">
          <span className="chat-role">{roleLabel[m.role]}</span>
          <div className="chat-bubble">
            {/* The clamp sits on an inner element so the bubble's padding never shows a cut line. */}
            <span className="chat-text">{m.content || <span className="chat-empty">(empty)</span>}</span>
          </div>
        </div>
      ))}
    </div>
  );
}
