import { useRef, useState } from 'react';
import { Button } from '../../components/Button.js';
import { usePlayground } from './playground-store.js';

/** Enter sends, Shift+Enter adds a line, Esc stops the answer being generated. */
export function Composer({ ready }: { ready: boolean }) {
  const { send, stop, streaming, mode } = usePlayground();
  const [text, setText] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);
  const submit = () => {
    const content = text.trim();
    if (!content || streaming || !ready) return;
    setText('');
    void send(content).finally(() => area.current?.focus());
  };
  return (
    <div className="pg-composer">
      <textarea
        ref={area}
        className="pg-textarea pg-composer-input"
        data-testid="pg-input"
        rows={2}
        value={text}
        placeholder={mode === 'side-by-side' ? 'Message both models…' : 'Message the model…'}
        aria-label="Message"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            submit();
          } else if (e.key === 'Escape' && streaming) {
            e.preventDefault();
            void stop();
          }
        }}
      />
      <div className="pg-composer-actions">
        <span className="pg-hint">Enter to send · Shift+Enter for a new line · Esc to stop</span>
        {streaming ? (
          <Button variant="secondary" onClick={() => void stop()} data-testid="pg-stop-btn">Stop</Button>
        ) : (
          <Button variant="primary" onClick={submit} disabled={!text.trim() || !ready} data-testid="pg-send">Send</Button>
        )}
      </div>
    </div>
  );
}
