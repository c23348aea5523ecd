/** A labelled segmented control (radio group) whose chosen option's note is shown under it. */
export interface ChoiceProps<V extends string> {
  label: string;
  testId: string;
  value: V;
  options: Array<{ value: V; label: string; note: string }>;
  onChange(value: V): void;
  /** A line after the chosen option's note, e.g. a requirement of another option. */
  footnote?: string;
}

export function Choice<V extends string>({ label, testId, value, options, onChange, footnote }: ChoiceProps<V>) {
  const note = options.find((o) => o.value === value)?.note;
  return (
    <div className="field">
      <span className="field-label" id={`${testId}-label`}>
        {label}
      </span>
      <div className="segmented" role="radiogroup" aria-labelledby={`${testId}-label`} data-testid={testId}>
        {options.map((o) => (
          <button
            key={o.value}
            type="button"
            role="radio"
            aria-checked={o.value === value}
            className={o.value === value ? 'is-selected' : ''}
            data-testid={`${testId}-${o.value}`}
            title={o.note}
            onClick={() => onChange(o.value)}
          >
            {o.label}
          </button>
        ))}
      </div>
      <span className="field-hint" data-testid={`${testId}-hint`}>
        {note}
        {footnote && ` · ${footnote}`}
      </span>
    </div>
  );
}
