import { useState } from 'react';
import { Button } from '../../components/Button.js';
import { FileTextIcon } from '../../components/icons.js';
import { toastError, useToasts } from '../../stores/toasts.js';
import { writeReleaseReport } from './evals-gate-store.js';

function download(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Writes the release report (HTML + PDF, hashed and audited) and hands one of them to the browser. */
export function ReleaseReportButtons({ releaseId }: { releaseId: string }) {
  const [busy, setBusy] = useState<'html' | 'pdf' | null>(null);
  const make = async (kind: 'html' | 'pdf') => {
    setBusy(kind);
    try {
      const r = await writeReleaseReport(releaseId);
      if (kind === 'html' && r.html !== null) download('release-report.html', new Blob([r.html], { type: 'text/html' }));
      if (kind === 'pdf' && r.pdfBase64 !== null) download('release-report.pdf', new Blob([Uint8Array.from(atob(r.pdfBase64), (c) => c.charCodeAt(0))], { type: 'application/pdf' }));
      useToasts.getState().push({ tone: 'success', title: 'Release report written', message: `${kind === 'html' ? r.htmlPath : r.pdfPath} (sha256 ${(kind === 'html' ? r.htmlSha256 : r.pdfSha256).slice(0, 12)}…)`, hint: null });
    } catch (err) {
      toastError('Could not write the release report', err);
    } finally {
      setBusy(null);
    }
  };
  return (
    <span className="ev-report-buttons">
      <Button size="sm" icon={FileTextIcon} busy={busy === 'html'} onClick={() => void make('html')} data-testid="ev-report-html">
        Report
      </Button>
      <Button size="sm" busy={busy === 'pdf'} onClick={() => void make('pdf')} data-testid="ev-report-pdf">
        PDF
      </Button>
    </span>
  );
}
