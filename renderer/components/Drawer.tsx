import { useEffect, useRef, type ReactNode } from 'react';
import { XIcon } from './icons.js';

interface DrawerProps {
  open: boolean;
  title: string;
  subtitle?: ReactNode;
  actions?: ReactNode;
  onClose(): void;
  children: ReactNode;
  testId?: string;
}

/** A panel that slides in from the right; Escape or a click outside closes it, focus returns where it was. */
export function Drawer({ open, title, subtitle, actions, onClose, children, testId }: DrawerProps) {
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const previous = document.activeElement as HTMLElement | null;
    panel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [open, onClose]);

  if (!open) return null;
  return (
    <div className="drawer-root">
      <div className="drawer-backdrop" onClick={onClose} />
      <div className="drawer" role="dialog" aria-modal="true" aria-label={title} tabIndex={-1} ref={panel} data-testid={testId}>
        <header className="drawer-header">
          <div>
            <h2 className="drawer-title">{title}</h2>
            {subtitle && <div className="drawer-subtitle">{subtitle}</div>}
          </div>
          <div className="drawer-actions">
            {actions}
            <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>
              <XIcon size={16} />
            </button>
          </div>
        </header>
        <div className="drawer-body">{children}</div>
      </div>
    </div>
  );
}
