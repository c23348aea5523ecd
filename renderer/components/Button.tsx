import type { ButtonHTMLAttributes, ReactNode } from 'react';
import type { IconComponent } from './icons.js';

type Variant = 'primary' | 'secondary' | 'ghost' | 'danger';

interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  size?: 'sm' | 'md';
  icon?: IconComponent;
  busy?: boolean;
  children?: ReactNode;
}

export function Button({ variant = 'secondary', size = 'md', icon: Icon, busy = false, disabled, children, className, ...rest }: ButtonProps) {
  const classes = ['btn', `btn-${variant}`, `btn-${size}`, busy ? 'is-busy' : '', className ?? ''].filter(Boolean).join(' ');
  return (
    <button type="button" {...rest} className={classes} aria-busy={busy || undefined} disabled={busy || disabled}>
      {busy ? <span className="spinner" aria-hidden="true" /> : Icon ? <Icon size={size === 'sm' ? 14 : 15} /> : null}
      {children !== undefined && <span>{children}</span>}
    </button>
  );
}

/** A link styled as a button, for moves between pages (hash routes). */
export function ButtonLink({ href, variant = 'secondary', icon: Icon, children, testId }: { href: string; variant?: Variant; icon?: IconComponent; children: ReactNode; testId?: string }) {
  return (
    <a className={`btn btn-${variant} btn-md`} href={href} data-testid={testId}>
      {Icon && <Icon size={15} />}
      <span>{children}</span>
    </a>
  );
}
