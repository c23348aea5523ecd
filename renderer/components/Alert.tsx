import type { ReactNode } from 'react';
import type { LatheErrorData } from '../../src/shared/contract/index.js';
import { RichText } from './RichText.js';
import { AlertCircleIcon, AlertTriangleIcon, CheckCircleIcon, InfoIcon } from './icons.js';

type Tone = 'info' | 'success' | 'warning' | 'danger';

const toneIcon = { info: InfoIcon, success: CheckCircleIcon, warning: AlertTriangleIcon, danger: AlertCircleIcon };

export function Alert({ tone, title, children, action, testId }: { tone: Tone; title: string; children?: ReactNode; action?: ReactNode; testId?: string }) {
  const Icon = toneIcon[tone];
  return (
    <div className={`alert alert-${tone}`} role={tone === 'danger' ? 'alert' : 'status'} data-testid={testId}>
      <Icon size={16} className="alert-icon" />
      <div className="alert-body">
        <div className="alert-title">{title}</div>
        {children && <div className="alert-text">{children}</div>}
      </div>
      {action && <div className="alert-action">{action}</div>}
    </div>
  );
}

/** An engine error, inline: the message, then the hint that says what to do. */
export function ErrorAlert({ title, error, action }: { title: string; error: LatheErrorData; action?: ReactNode }) {
  return (
    <Alert tone="danger" title={title} action={action} testId="error-alert">
      <p>
        <RichText text={error.message} />
      </p>
      {error.hint && (
        <p className="alert-hint">
          <RichText text={error.hint} />
        </p>
      )}
    </Alert>
  );
}
