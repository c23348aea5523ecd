import { useEffect, useRef, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react';
import { XIcon } from './icons.js';

interface ModalProps {
  open: boolean;
  title: string;
  subtitle?: ReactNode;
  /** Sits under the title, e.g. the steps of a wizard. */
  header?: ReactNode;
  footer?: ReactNode;
  onClose(): void;
  /** Keys pressed anywhere in the dialog (Escape is handled here already). */
  onKeyDown?(e: ReactKeyboardEvent<HTMLDivElement>): void;
  children: ReactNode;
  testId?: string;
  /** When this changes (a wizard's step), focus moves to the new content's [data-autofocus], else the dialog. */
  focusKey?: string;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A centred dialog for a task with steps. Escape or a click on the backdrop closes it, Tab stays inside it,
 * and focus goes back to where it was when it closes.
 */
export function Modal({ open, title, subtitle, header, footer, onClose, onKeyDown, children, testId, focusKey }: ModalProps) {
  const panel = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    if (!open) return;
    const previous = document.activeElement as HTMLElement | null;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) {
        e.preventDefault();
        closeRef.current();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, [open]);

  // Runs after the effect above on opening, so the first focus lands inside; again whenever the content changes.
  useEffect(() => {
    if (!open) return;
    const target = panel.current?.querySelector<HTMLElement>('[data-autofocus]') ?? panel.current;
    target?.focus();
  }, [open, focusKey]);

  if (!open) return null;

  const trapTab = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'Tab' || !panel.current) return;
    const items = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && (document.activeElement === first || document.activeElement === panel.current)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <div className="modal-root">
      <div className="modal-backdrop" onClick={onClose} />
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        tabIndex={-1}
        ref={panel}
        data-testid={testId}
        onKeyDown={(e) => {
          trapTab(e);
          onKeyDown?.(e);
        }}
      >
        <header className="modal-header">
          <div className="modal-heading">
            <h2 className="modal-title">{title}</h2>
            {subtitle && <div className="modal-subtitle">{subtitle}</div>}
          </div>
          <button
            type="button"
            className="icon-btn"
            aria-label="Close"
            onClick={onClose}
            data-testid={testId ? `${testId}-close` : undefined}
          >
            <XIcon size={16} />
          </button>
        </header>
        {header && <div className="modal-band">{header}</div>}
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-footer">{footer}</footer>}
      </div>
    </div>
  );
}
