import { useId, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { BrandMark, MoonIcon, SunIcon } from '../../components/icons.js';
import { useTheme } from '../../stores/theme.js';
import { EyeIcon, EyeOffIcon } from '../../components/icons.js';

/** The frame of the sign-in pages: the Lathe mark and name above one centred card, a theme switch in the corner. */
export function AuthLayout({ title, lead, children, footnote, testId }: { title: string; lead?: ReactNode; children: ReactNode; footnote?: ReactNode; testId: string }) {
  const theme = useTheme((s) => s.theme);
  const toggle = useTheme((s) => s.toggle);
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <div className="auth-page" data-testid={testId}>
      <button
        type="button"
        className="auth-theme"
        onClick={toggle}
        aria-label={`${theme === 'dark' ? 'Dark' : 'Light'} theme: switch to ${next}`}
        title={`Switch to the ${next} theme`}
        data-testid="auth-theme-toggle"
      >
        {theme === 'dark' ? <MoonIcon size={15} /> : <SunIcon size={15} />}
      </button>
      <main className="auth-main">
        <div className="auth-brand">
          <BrandMark size={44} />
          <div className="auth-brand-text">
            <span className="auth-brand-name">Lathe</span>
            <span className="auth-brand-tagline">Domain model workbench</span>
          </div>
        </div>
        <section className="auth-card" aria-labelledby="auth-title">
          <h1 className="auth-title" id="auth-title">
            {title}
          </h1>
          {lead && <p className="auth-lead">{lead}</p>}
          {children}
        </section>
        {footnote && <p className="auth-footnote">{footnote}</p>}
      </main>
    </div>
  );
}

interface AuthFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  label: string;
  value: string;
  onValue(value: string): void;
  /** A sentence under the field; `problem` replaces it (in the danger colour) when the value is not acceptable. */
  hint?: ReactNode;
  problem?: string | null;
  testId: string;
  /** A password field: adds a show/hide switch. */
  secret?: boolean;
}

/** A labelled field of the sign-in pages: label above, hint or problem below, both tied to the input for screen readers. */
export function AuthField({ label, value, onValue, hint, problem, testId, secret = false, ...rest }: AuthFieldProps) {
  const id = useId();
  const [shown, setShown] = useState(false);
  const noteId = `${id}-note`;
  const note = problem ?? hint;
  return (
    <div className="field auth-field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className={`text-input auth-input${problem ? ' is-invalid' : ''}`}>
        <input
          {...rest}
          id={id}
          type={secret && !shown ? 'password' : 'text'}
          value={value}
          onChange={(e) => onValue(e.target.value)}
          spellCheck={false}
          autoCapitalize="none"
          autoCorrect="off"
          aria-invalid={problem ? true : undefined}
          aria-describedby={note ? noteId : undefined}
          data-testid={testId}
        />
        {secret && (
          <button
            type="button"
            className="icon-btn auth-reveal"
            onClick={() => setShown((v) => !v)}
            aria-label={shown ? `Hide ${label.toLowerCase()}` : `Show ${label.toLowerCase()}`}
            aria-pressed={shown}
            title={shown ? 'Hide' : 'Show'}
          >
            {shown ? <EyeOffIcon size={15} /> : <EyeIcon size={15} />}
          </button>
        )}
      </div>
      {note && (
        <p className={`field-hint${problem ? ' auth-problem' : ''}`} id={noteId} data-testid={problem ? `${testId}-problem` : undefined}>
          {note}
        </p>
      )}
    </div>
  );
}
