import type { ReactNode } from 'react';

interface PageHeaderProps {
  title: string;
  purpose: string;
  actions?: ReactNode;
}

export function PageHeader({ title, purpose, actions }: PageHeaderProps) {
  return (
    <header className="page-header">
      <div className="page-header-text">
        <h1 className="page-title" data-testid="page-title">
          {title}
        </h1>
        <p className="page-purpose" data-testid="page-purpose">
          {purpose}
        </p>
      </div>
      {actions && <div className="page-header-actions">{actions}</div>}
    </header>
  );
}
