import { useEffect, useState } from 'react';
import { Button } from '../../components/Button.js';
import type { ServingStatus } from '../../../src/shared/contract/features/serving.js';
import { toastError } from '../../stores/toasts.js';
import { loadServingStatus, startServing, stopServing } from './playground-store.js';

/** The opt-in OpenAI-compatible endpoint on 127.0.0.1: start/stop, and the URL and key other tools need. */
export function ServingPanel() {
  const [status, setStatus] = useState<ServingStatus | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void loadServingStatus().then(setStatus, () => undefined);
  }, []);
  const toggle = async () => {
    setBusy(true);
    try {
      setStatus(await (status?.running ? stopServing() : startServing()));
    } catch (err) {
      toastError('The local API did not start', err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="pg-serving" data-testid="pg-serving">
      <p className="field-hint">An OpenAI-compatible endpoint on this machine only, so other tools can use these models. Off until you start it.</p>
      {status?.running && (
        <dl className="pg-serving-info">
          <dt>Base URL</dt>
          <dd data-testid="pg-serving-url">{status.url}</dd>
          <dt>API key</dt>
          <dd className="pg-serving-key">{status.apiKey}</dd>
        </dl>
      )}
      <Button size="sm" variant={status?.running ? 'secondary' : 'primary'} busy={busy} onClick={() => void toggle()} data-testid="pg-serving-toggle">
        {status?.running ? 'Stop local API' : 'Start local API'}
      </Button>
    </div>
  );
}
