import type { FileType, TaskFormat } from '../../../src/shared/contract/index.js';
import { AlertCircleIcon } from '../../components/icons.js';
import { formatBytes } from '../../lib/format.js';
import { useDatasetImport } from './dataset-import-store.js';
import { ExampleView } from './ExampleView.js';
import {
  encodingLabels,
  fileTypeLabels,
  formatHints,
  formatLabels,
  formatSlots,
  mappingFor,
  withSlot,
  type SlotSpec,
} from './import-format.js';

/**
 * What detection found: the file's type, encoding and size, the task format and which field feeds what (each one
 * editable: a change asks the engine again with that override), and the first rows as the model will see them.
 */
export function DetectionPanel() {
  const detection = useDatasetImport((s) => s.detection);
  const busy = useDatasetImport((s) => s.detectStatus === 'running');
  const detect = useDatasetImport((s) => s.detect);
  if (!detection) return null;
  const d = detection;
  const problems = d.preview.filter((r) => r.problem !== null).length;

  const setFileType = (fileType: FileType) => void detect({ fileType });
  const setFormat = (format: TaskFormat) => void detect({ fileType: d.fileType, format });
  const setSlot = (spec: SlotSpec, field: string) =>
    void detect({ fileType: d.fileType, format: d.format, mapping: mappingFor(d.format, withSlot(d.mapping, spec.slot, field)) });

  return (
    <>
      <section className={`detect-card${busy ? ' is-busy' : ''}`} aria-busy={busy} data-testid="detect-summary">
        <dl className="detect-facts">
          <div>
            <dt>File type</dt>
            <dd>
              <span className="select-input is-inline">
                <select
                  value={d.fileType}
                  onChange={(e) => setFileType(e.target.value as FileType)}
                  aria-label="File type"
                  data-testid="import-filetype"
                >
                  {Object.entries(fileTypeLabels).map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              </span>
            </dd>
          </div>
          <div>
            <dt>Encoding</dt>
            <dd data-testid="detect-encoding">{encodingLabels[d.encoding]}</dd>
          </div>
          <div>
            <dt>Size</dt>
            <dd data-testid="detect-size">{formatBytes(d.bytes)}</dd>
          </div>
          <div className="detect-fields">
            <dt>Fields</dt>
            <dd title={d.fields.join(', ')}>
              {d.fields.length === 0
                ? '—'
                : d.fields.map((f) => {
                    const unused = d.unusedFields.includes(f);
                    return (
                      <span key={f} className={`field-chip${unused ? ' is-unused' : ''}`} title={unused ? 'Not used for training; kept with each example and written back by an export' : undefined} data-testid={unused ? 'field-unused' : undefined}>
                        {f}
                      </span>
                    );
                  })}
              {d.unusedFields.length > 0 && <span className="detect-kept">Unused fields are kept with each example and exported back.</span>}
            </dd>
          </div>
        </dl>

        <div className="detect-mapping">
          <label className="mini-field">
            <span className="mini-field-label">Format</span>
            <span className="select-input">
              <select value={d.format} onChange={(e) => setFormat(e.target.value as TaskFormat)} data-testid="import-format">
                {Object.entries(formatLabels).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </span>
          </label>
          {formatSlots[d.format].map((spec) => (
            <SlotSelect
              key={spec.slot}
              spec={spec}
              value={d.mapping[spec.slot] ?? ''}
              fields={d.fields}
              onChange={(f) => setSlot(spec, f)}
            />
          ))}
          <p className="detect-note">
            {formatLabels[d.format]}: {formatHints[d.format]} Change the format or a field and the preview follows.
          </p>
        </div>
      </section>

      <section className="preview" aria-label="Preview">
        <div className="section-head">
          <h3 className="section-title">Preview</h3>
          <span className="section-meta" data-testid="preview-meta">
            First {d.preview.length} {d.preview.length === 1 ? 'row' : 'rows'}
            {problems > 0 && (
              <span className="text-danger">
                {' '}
                · {problems} {problems === 1 ? 'problem' : 'problems'}
              </span>
            )}
          </span>
          {busy && <span className="spinner section-spinner" aria-label="Detecting again" />}
        </div>
        <ol className="preview-list" data-testid="import-preview">
          {d.preview.map((row) => (
            <li key={row.locator} className={`preview-row${row.problem ? ' has-problem' : ''}`} data-testid="preview-row">
              <span className="preview-locator">{row.locator}</span>
              <div className="preview-body">
                {row.problem ? (
                  <p className="preview-problem" data-testid="preview-problem">
                    <AlertCircleIcon size={14} />
                    <span>{row.problem}</span>
                  </p>
                ) : (
                  row.content && <ExampleView content={row.content} compact />
                )}
              </div>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}

function SlotSelect({ spec, value, fields, onChange }: { spec: SlotSpec; value: string; fields: string[]; onChange(field: string): void }) {
  // A mapped field the file does not have (a default name, or a typo in an override) still shows, so it can be seen.
  const options = value && !fields.includes(value) ? [value, ...fields] : fields;
  return (
    <label className="mini-field">
      <span className="mini-field-label">
        {spec.label}
        {!spec.required && <span className="mini-field-optional"> optional</span>}
      </span>
      <span className="select-input">
        <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={`import-map-${spec.slot}`}>
          {spec.required ? (
            <option value="" disabled>
              Choose a field…
            </option>
          ) : (
            <option value="">None</option>
          )}
          {options.map((f) => (
            <option key={f} value={f}>
              {f}
              {!fields.includes(f) ? ' (not in file)' : ''}
            </option>
          ))}
        </select>
      </span>
    </label>
  );
}
