import { useCan } from '../../stores/session.js';
import { Button } from '../../components/Button.js';
import { ErrorAlert } from '../../components/Alert.js';
import { CheckCircleIcon } from '../../components/icons.js';
import type { PlaygroundMessage } from '../../../src/shared/contract/features/playground.js';
import { usePlayground } from './playground-store.js';

/** One model's side of the conversation: the shared user messages, its own answers, the one streaming now. */
export function ChatLane({ lane, onCorrect }: { lane: number; onCorrect(message: PlaygroundMessage): void }) {
  const { messages, streaming, laneErrors } = usePlayground();
  const mine = messages.filter((m) => m.lane === null || m.lane === lane);
  const live = streaming ? streaming.text[lane] : undefined;
  const waiting = streaming && live === undefined;
  const error = laneErrors[lane];

  return (
    <div className="pg-lane-log" data-testid={`pg-lane-${lane}`} aria-live="polite">
      {mine.length === 0 && !streaming && <p className="pg-lane-empty">Ask something below; the answer streams here.</p>}
      {mine.map((m) => (m.role === 'user' ? <UserBubble key={m.id} text={m.content} /> : <Answer key={m.id} message={m} onCorrect={() => onCorrect(m)} />))}
      {streaming && <UserBubble text={streaming.content} />}
      {streaming && (
        <div className="pg-msg pg-msg-assistant is-streaming" data-testid={`pg-streaming-${lane}`}>
          {waiting ? <span className="pg-waiting">{streaming.lane < lane ? 'Waiting for the other model to finish…' : 'Thinking…'}</span> : <p className="pg-msg-text">{live}<span className="pg-caret" aria-hidden="true" /></p>}
        </div>
      )}
      {error && <ErrorAlert title="This model could not answer" error={error} />}
    </div>
  );
}

function UserBubble({ text }: { text: string }) {
  return (
    <div className="pg-msg pg-msg-user">
      <p className="pg-msg-text">{text}</p>
    </div>
  );
}

function Answer({ message, onCorrect }: { message: PlaygroundMessage; onCorrect(): void }) {
  const s = message.stats;
  const canLabel = useCan('label');
  return (
    <div className="pg-msg pg-msg-assistant" data-testid="pg-answer">
      <p className="pg-msg-text">{message.content || <em className="pg-muted">(empty answer)</em>}</p>
      <div className="pg-msg-meta">
        {s && (
          <span className="pg-stats" data-testid="pg-stats">
            {s.tokensPerSecond.toFixed(1)} tok/s · TTFT {Math.round(s.timeToFirstTokenMs)} ms · {s.tokens} tokens{s.stopReason === 'maxTokens' ? ' · hit max tokens' : s.stopReason === 'abort' ? ' · stopped' : ''}
          </span>
        )}
        {message.correctedVersionId ? (
          <span className="pg-corrected">
            <CheckCircleIcon size={13} /> Saved as a training example
          </span>
        ) : (
          canLabel && (
            <Button size="sm" variant="ghost" onClick={onCorrect} data-testid="pg-correct">
              Correct this answer
            </Button>
          )
        )}
      </div>
    </div>
  );
}
