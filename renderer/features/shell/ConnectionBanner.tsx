import { useEffect, useState } from 'react';
import { AlertTriangleIcon, DatabaseIcon } from '../../components/icons.js';
import { RichText } from '../../components/RichText.js';
import { useConnection } from '../../stores/connection.js';
import { useEngine } from '../../stores/engine.js';

// A first connect normally takes a few milliseconds; only say something if it does not.
const FIRST_CONNECT_GRACE_MS = 1200;

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(t);
  }, [active]);
  return now;
}

function useGrace(active: boolean, ms: number): boolean {
  const [passed, setPassed] = useState(false);
  useEffect(() => {
    if (!active) {
      setPassed(false);
      return;
    }
    const t = window.setTimeout(() => setPassed(true), ms);
    return () => window.clearTimeout(t);
  }, [active, ms]);
  return passed;
}

/** Calm, single-line notices above the page: the link to the engine, and a read-only database. */
export function Banners() {
  return (
    <>
      <ConnectionBanner />
      <DatabaseBanner />
    </>
  );
}

function ConnectionBanner() {
  const { status, detail, retryAt, everOpened } = useConnection();
  const notOpen = status !== 'open';
  const graceOver = useGrace(notOpen, FIRST_CONNECT_GRACE_MS);
  const now = useNow(notOpen && retryAt !== null);
  if (!notOpen) return null;
  if (!everOpened && !detail && !graceOver) return null;

  const seconds = retryAt !== null ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : null;
  const title = everOpened ? 'Reconnecting to the engine' : 'Connecting to the engine';
  return (
    <div className={`banner banner-${status === 'lost' ? 'warning' : 'neutral'}`} role="status" data-testid="connection-banner">
      <span className="spinner" aria-hidden="true" />
      <span className="banner-title">{title}</span>
      {detail && (
        <span className="banner-text">
          <RichText text={detail} />
        </span>
      )}
      {seconds !== null && <span className="banner-meta">{seconds > 0 ? `Retrying in ${seconds} s` : 'Retrying…'}</span>}
    </div>
  );
}

function DatabaseBanner() {
  const info = useEngine((s) => s.info);
  if (!info || info.dbWritable) return null;
  return (
    <div className="banner banner-danger" role="alert" data-testid="database-banner">
      <DatabaseIcon size={15} />
      <span className="banner-title">Database is read-only</span>
      <span className="banner-text">
        <RichText text={info.dbProblem ?? 'The start-up integrity check failed.'} /> You can look around; changes are refused until
        it is repaired.
      </span>
      <span className="banner-meta">
        <AlertTriangleIcon size={14} /> Run <code>lathe doctor</code>
      </span>
    </div>
  );
}
