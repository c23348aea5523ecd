import type { ReactNode } from 'react';
import { ArrowRightIcon, type IconComponent } from './icons.js';

interface EmptyStateProps {
  /** Used for the test id: empty-state-<id>. */
  id: string;
  icon: IconComponent;
  title: string;
  description: ReactNode;
  /** Options, steps or actions shown under the text. */
  children?: ReactNode;
  footer?: ReactNode;
}

/** What a page looks like before there is anything on it: what this is, and what to do first. */
export function EmptyState({ id, icon: Icon, title, description, children, footer }: EmptyStateProps) {
  return (
    <section className="empty-state" data-testid={`empty-state-${id}`} aria-labelledby={`empty-${id}-title`}>
      <div className="empty-state-mark" aria-hidden="true">
        <Icon size={22} />
      </div>
      <h2 className="empty-state-title" id={`empty-${id}-title`}>
        {title}
      </h2>
      <p className="empty-state-text">{description}</p>
      {children && <div className="empty-state-body">{children}</div>}
      {footer && <div className="empty-state-footer">{footer}</div>}
    </section>
  );
}

interface OptionCardProps {
  icon: IconComponent;
  title: string;
  formats?: string[];
  children: ReactNode;
  href?: string;
}

/** One way to get started, as a quiet card inside an empty state. */
export function OptionCard({ icon: Icon, title, formats, children, href }: OptionCardProps) {
  const body = (
    <>
      <div className="option-card-head">
        <span className="option-card-icon" aria-hidden="true">
          <Icon size={16} />
        </span>
        <span className="option-card-title">{title}</span>
        {href && <ArrowRightIcon size={14} className="option-card-arrow" />}
      </div>
      <p className="option-card-text">{children}</p>
      {formats && (
        <div className="option-card-formats">
          {formats.map((f) => (
            <span key={f} className="format-chip">
              {f}
            </span>
          ))}
        </div>
      )}
    </>
  );
  return href ? (
    <a className="option-card is-link" href={href}>
      {body}
    </a>
  ) : (
    <div className="option-card">{body}</div>
  );
}

interface StepProps {
  n: number;
  title: string;
  children: ReactNode;
  action?: ReactNode;
  done?: boolean;
}

/** A numbered prerequisite ("a base model first"), with the link that gets it done. */
export function Step({ n, title, children, action, done = false }: StepProps) {
  return (
    <li className={`step${done ? ' is-done' : ''}`}>
      <span className="step-number" aria-hidden="true">
        {n}
      </span>
      <div className="step-body">
        <div className="step-title">{title}</div>
        <div className="step-text">{children}</div>
      </div>
      {action && <div className="step-action">{action}</div>}
    </li>
  );
}
