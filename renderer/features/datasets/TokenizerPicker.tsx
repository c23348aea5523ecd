import { useEffect, useId, useState } from 'react';
import { isTrainable } from '../runs/BaseModelPicker.js';
import { useModels } from '../models/models-store.js';

/** The tokenizer last used for counting (a base model folder or a tokenizer.json), shared by Stats, Filter and Recipes. */
const TOKENIZER_KEY = 'lathe.tokenizerPath';
const OTHER = '\u0000other';

export function rememberedTokenizer(): string {
  return localStorage.getItem(TOKENIZER_KEY) ?? '';
}

export function rememberTokenizer(path: string): void {
  if (path.trim()) localStorage.setItem(TOKENIZER_KEY, path.trim());
}

interface Props {
  label: string;
  value: string;
  onChange(path: string): void;
  /** What the empty choice means here ("None — count words"); without it the field asks for a choice. */
  emptyLabel: string;
  /** Test ids: `${testId}` is the typed path, `${testId}-model` the list of registered models. */
  testId: string;
}

/**
 * Which tokenizer counts tokens: a registered base model (Hugging Face folder) from the model registry, picked by
 * name, or any other folder / tokenizer.json typed as a path on the engine's machine.
 */
export function TokenizerPicker({ label, value, onChange, emptyLabel, testId }: Props) {
  const { models, status, load } = useModels();
  const id = useId();
  useEffect(() => {
    if (status === 'idle') void load();
  }, [status, load]);
  const bases = models.filter(isTrainable);
  const registered = bases.find((m) => m.path === value.trim());
  const [typing, setTyping] = useState(false);
  const other = typing || (value.trim() !== '' && !registered);
  const choice = other ? OTHER : (registered?.path ?? '');
  return (
    <div className="field tokenizer-picker">
      <span className="field-label" id={`${id}-label`}>
        {label}
      </span>
      <span className="select-input">
        <select
          aria-labelledby={`${id}-label`}
          value={choice}
          data-testid={`${testId}-model`}
          onChange={(e) => {
            const v = e.target.value;
            setTyping(v === OTHER);
            onChange(v === OTHER ? (registered ? '' : value) : v);
          }}
        >
          <option value="">{emptyLabel}</option>
          {bases.length > 0 && (
            <optgroup label="Registered base models">
              {bases.map((m) => (
                <option key={m.id} value={m.path}>
                  {m.name}
                  {m.architecture ? ` · ${m.architecture}` : ''}
                </option>
              ))}
            </optgroup>
          )}
          <option value={OTHER}>Another folder or tokenizer.json…</option>
        </select>
      </span>
      {other && (
        <span className="text-input is-mono">
          <input
            value={value}
            placeholder="/models/llama-3-8b (folder with tokenizer.json)"
            onChange={(e) => onChange(e.target.value)}
            aria-label={`${label}: folder or tokenizer.json on the engine's machine`}
            data-testid={testId}
            autoFocus={typing}
          />
        </span>
      )}
    </div>
  );
}
