import { detailFields, type DetailField, type DetailValue } from './audit-details.js';

/** An entry's details as labelled fields, the exact JSON one click away. */
export function AuditDetails({ details }: { details: unknown }) {
  const fields = detailFields(details);
  return (
    <div className="audit-details" data-testid="audit-details">
      {fields.length ? <Fields fields={fields} /> : <span className="cell-muted">No details recorded.</span>}
      <details className="audit-details-raw">
        <summary>Exact JSON</summary>
        <pre className="json">{JSON.stringify(details, null, 2)}</pre>
      </details>
    </div>
  );
}

function Fields({ fields }: { fields: DetailField[] }) {
  return (
    <dl className="audit-fields">
      {fields.map((f) => (
        <div className="audit-field" key={f.key} data-testid="audit-detail-field">
          <dt title={f.key}>{f.label}</dt>
          <dd>
            <Value value={f.value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Value({ value }: { value: DetailValue }) {
  switch (value.kind) {
    case 'empty':
      return <span className="cell-muted">—</span>;
    case 'text':
      return <span className="audit-field-text">{value.text}</span>;
    case 'code':
      return <code className="audit-field-code">{value.text}</code>;
    case 'list':
      return <span className="audit-field-text">{value.items.join(', ')}</span>;
    case 'fields':
      return <Fields fields={value.fields} />;
  }
}
