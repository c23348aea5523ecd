import { useEffect } from 'react';
import { useToasts, type Toast } from '../stores/toasts.js';
import { RichText } from './RichText.js';
import { AlertCircleIcon, CheckCircleIcon, InfoIcon, XIcon } from './icons.js';

const LIFETIME_MS = { info: 5000, success: 4000, error: 12000 } as const;

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useToasts((s) => s.dismiss);
  useEffect(() => {
    const t = window.setTimeout(() => dismiss(toast.id), LIFETIME_MS[toast.tone]);
    return () => window.clearTimeout(t);
  }, [toast.id, toast.tone, dismiss]);
  const Icon = toast.tone === 'error' ? AlertCircleIcon : toast.tone === 'success' ? CheckCircleIcon : InfoIcon;
  return (
    <div className={`toast toast-${toast.tone}`} role={toast.tone === 'error' ? 'alert' : 'status'}>
      <Icon size={16} className="toast-icon" />
      <div className="toast-body">
        <div className="toast-title">{toast.title}</div>
        <div className="toast-text">
          <RichText text={toast.message} />
        </div>
        {toast.hint && (
          <div className="toast-hint">
            <RichText text={toast.hint} />
          </div>
        )}
      </div>
      <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
        <XIcon size={14} />
      </button>
    </div>
  );
}

export function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} />
      ))}
    </div>
  );
}
