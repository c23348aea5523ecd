import { useEffect, useState } from 'react';
import { CheckIcon, CopyIcon } from './icons.js';

/** A shell command the person can copy; the CLI does everything the UI does, headless. */
export function CommandLine({ command, label }: { command: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = window.setTimeout(() => setCopied(false), 1600);
    return () => window.clearTimeout(t);
  }, [copied]);

  const copy = () => {
    void navigator.clipboard?.writeText(command).then(
      () => setCopied(true),
      () => undefined, // clipboard refused (no permission): the text is still selectable
    );
  };

  return (
    <div className="command-line">
      {label && <span className="command-line-label">{label}</span>}
      <span className="command-line-box">
        <code className="command-line-code">
          <span className="command-line-prompt" aria-hidden="true">
            $
          </span>
          {command}
        </code>
        <button type="button" className="icon-btn" onClick={copy} aria-label={copied ? 'Copied' : `Copy "${command}"`} title={copied ? 'Copied' : 'Copy'}>
          {copied ? <CheckIcon size={14} /> : <CopyIcon size={14} />}
        </button>
      </span>
    </div>
  );
}
