import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import { signatureText, type ReleaseReportData } from './report-data.js';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;
const INK = rgb(0.11, 0.13, 0.19);
const MUTED = rgb(0.36, 0.39, 0.47);
const ACCENT = rgb(0.36, 0.36, 0.84);
const OK = rgb(0.09, 0.4, 0.23);
const BAD = rgb(0.7, 0.14, 0.09);
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const REPLACE: Record<string, string> = { '≥': '>=', '≤': '<=', '−': '-', 'Δ': 'delta ', '✓': 'PASS', '✗': 'FAIL', '→': '->', '×': 'x' };

/** The standard PDF fonts speak WinAnsi only: map the symbols we use, and anything else outside it to "?". */
export function pdfSafe(text: string): string {
  return [...text].map((c) => REPLACE[c] ?? (c.charCodeAt(0) < 0x100 || WIN_ANSI_EXTRA.has(c) ? c : '?')).join('').replace(/[\t\r\n]+/g, ' ');
}

/** A top-to-bottom writer over A4 pages: wrapped text, key/value rows, a line chart; new pages as needed. */
class Writer {
  page: PDFPage;
  y: number;
  constructor(private readonly doc: PDFDocument, readonly font: PDFFont, readonly bold: PDFFont, readonly mono: PDFFont) {
    this.page = doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }
  need(h: number) {
    if (this.y - h < MARGIN) {
      this.page = this.doc.addPage(A4);
      this.y = A4[1] - MARGIN;
    }
  }
  lines(text: string, font: PDFFont, size: number, width: number): string[] {
    const out: string[] = [];
    let line = '';
    for (const word of pdfSafe(text).split(' ')) {
      let w = word;
      while (font.widthOfTextAtSize(w, size) > width) {
        let cut = w.length;
        while (cut > 1 && font.widthOfTextAtSize(w.slice(0, cut), size) > width) cut--;
        if (line) {
          out.push(line);
          line = '';
        }
        out.push(w.slice(0, cut));
        w = w.slice(cut);
      }
      const next = line ? `${line} ${w}` : w;
      if (font.widthOfTextAtSize(next, size) > width) {
        out.push(line);
        line = w;
      } else line = next;
    }
    if (line) out.push(line);
    return out;
  }
  text(text: string, o: { size?: number; font?: PDFFont; color?: ReturnType<typeof rgb>; x?: number; width?: number; gap?: number } = {}) {
    const size = o.size ?? 10;
    const x = o.x ?? MARGIN;
    const font = o.font ?? this.font;
    for (const l of this.lines(text, font, size, o.width ?? A4[0] - MARGIN - x)) {
      this.need(size * 1.4);
      this.page.drawText(l, { x, y: this.y - size, size, font, color: o.color ?? INK });
      this.y -= size * 1.4;
    }
    this.y -= o.gap ?? 2;
  }
  heading(text: string) {
    this.need(40);
    this.y -= 12;
    this.text(text, { size: 13, font: this.bold, gap: 0 });
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: A4[0] - MARGIN, y: this.y }, thickness: 0.6, color: rgb(0.85, 0.87, 0.9) });
    this.y -= 8;
  }
  kv(key: string, value: string, mono = false) {
    const top = this.y;
    this.text(key, { size: 9, color: MUTED, width: 110, gap: 0 });
    const afterKey = this.y;
    this.y = top;
    this.text(value, { size: mono ? 8 : 9.5, font: mono ? this.mono : this.font, x: MARGIN + 120 });
    this.y = Math.min(this.y, afterKey);
  }
  chart(loss: Array<[number, number]>, val: Array<[number, number]>) {
    const h = 150, w = A4[0] - 2 * MARGIN - 40;
    this.need(h + 30);
    const all = [...loss, ...val];
    const [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
    const [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
    const left = MARGIN + 40, bottom = this.y - h;
    const px = (x: number) => left + ((x - x0) / Math.max(1e-9, x1 - x0)) * w;
    const py = (y: number) => bottom + ((y - y0) / Math.max(1e-9, y1 - y0)) * (h - 10);
    this.page.drawLine({ start: { x: left, y: bottom }, end: { x: left + w, y: bottom }, thickness: 0.6, color: MUTED });
    this.page.drawLine({ start: { x: left, y: bottom }, end: { x: left, y: bottom + h }, thickness: 0.6, color: MUTED });
    for (const t of [y0, (y0 + y1) / 2, y1]) this.page.drawText(t.toFixed(3), { x: MARGIN, y: py(t) - 3, size: 7, font: this.font, color: MUTED });
    const series = (pts: Array<[number, number]>, color: ReturnType<typeof rgb>) => {
      for (let i = 1; i < pts.length; i++) this.page.drawLine({ start: { x: px(pts[i - 1]![0]), y: py(pts[i - 1]![1]) }, end: { x: px(pts[i]![0]), y: py(pts[i]![1]) }, thickness: 1.4, color });
    };
    series(loss, ACCENT);
    series(val, rgb(0.85, 0.51, 0.17));
    this.y = bottom - 6;
    this.text(`step ${x0} to ${x1} · training loss (blue)${val.length ? ', validation loss (orange)' : ''}`, { size: 8, color: MUTED });
  }
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : (x * 100).toFixed(1));

/** The same content as the HTML report, laid out for print with the standard PDF fonts (no font files shipped). */
export async function renderReleasePdf(d: ReleaseReportData): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Release report - ${d.models[0]?.name ?? d.release.id}`);
  doc.setProducer('Lathe');
  doc.setCreationDate(new Date(d.generatedAt));
  const w = new Writer(doc, await doc.embedFont(StandardFonts.Helvetica), await doc.embedFont(StandardFonts.HelveticaBold), await doc.embedFont(StandardFonts.Courier));
  const r = d.release;
  w.text('LATHE · MODEL RELEASE REPORT', { size: 8, color: MUTED });
  w.text(d.models[0]?.name ?? 'Model', { size: 20, font: w.bold });
  w.text(`Project ${r.project} · decision ${r.id} · generated ${d.generatedAt}`, { size: 8.5, color: MUTED, gap: 6 });
  w.text(r.decision === 'released' ? 'RELEASED - passed the release gate' : 'RELEASED WITH AN OVERRIDE - did not pass the release gate', { size: 12, font: w.bold, color: r.decision === 'released' ? OK : BAD });

  w.heading('Summary');
  w.kv('Decided', `${r.createdAt} by ${r.createdBy}`);
  if (r.reviewer) w.kv('Reviewer', r.meaning ? `${r.reviewer} - ${r.meaning}` : r.reviewer);
  for (const s of d.signatures) w.kv('Signature', signatureText(s));
  if (r.decision === 'overridden') w.kv('Written reason', r.reason ?? '');
  w.kv('Ships', d.artefact ? `${d.artefact.file} from export ${d.artefact.exportName}` : 'A registry model version (not bound to an exported file)');
  if (d.artefact) w.kv('Artefact sha256', d.artefact.sha256, true);
  w.kv('Candidate eval', `${d.candidateEval.label}: ${d.candidateEval.doneItems} items, F1 ${pct(d.candidateEval.scores?.f1)}, exact ${pct(d.candidateEval.scores?.exact)}, ROUGE-L ${pct(d.candidateEval.scores?.rougeL)}`);
  w.kv('Audit log', d.audit.ok ? `Hash chain intact (${d.audit.checked} entries verified at report time)` : `BROKEN at entry #${d.audit.firstBroken?.seq}: ${d.audit.firstBroken?.reason}`);

  w.heading('Release gate');
  for (const p of d.gate.problems) w.text(`FAIL  ${p}`, { size: 9.5, color: BAD });
  for (const x of d.gate.results) w.text(`${x.passed ? 'PASS' : 'FAIL'}  ${x.detail}`, { size: 9.5, color: x.passed ? OK : BAD });
  if (!d.gate.results.length) w.text('No criteria were set.', { size: 9.5, color: MUTED });

  w.heading('Lineage');
  for (const m of [...d.models].reverse()) {
    w.text(`${m.kind.toUpperCase()}  ${m.name}${m.quantization ? ` · ${m.quantization}` : ''}`, { size: 9.5, font: w.bold, gap: 0 });
    w.text(`sha256 ${m.sha256}`, { size: 7.5, font: w.mono, color: MUTED, x: MARGIN + 12 });
  }
  if (d.run) {
    w.kv('Training run', `${d.run.name} (${d.run.id}) · ${d.run.status} · ${d.run.createdAt}`);
    w.kv('Seed', String(d.run.seed));
    w.kv('Settings', JSON.stringify(d.run.settings), true);
    w.kv('Environment', JSON.stringify(d.run.environment?.versions ?? 'not recorded'), true);
  }
  for (const v of d.data) w.kv(`${v.dataset} v${v.number}`, `${v.operation}${v.params && v.params !== '{}' ? ` ${v.params.length > 90 ? `${v.params.slice(0, 87)}...` : v.params}` : ''} · ${v.examples} examples · ${v.createdAt.slice(0, 10)} · content ${v.contentHash}`);
  if (Object.keys(d.splits).length) w.kv('Splits', Object.entries(d.splits).map(([k, n]) => `${k} ${n}`).join(' · '));

  if (d.curves.loss.length > 1) w.need(230); // keep the heading with its chart
  w.heading('Training curves');
  if (d.curves.loss.length > 1) w.chart(d.curves.loss, d.curves.validation);
  else w.text('No training metrics recorded.', { size: 9.5, color: MUTED });

  w.heading('Evaluation');
  if (d.evalData) {
    w.kv('Evaluation data', `${d.evalData.dataset} v${d.evalData.number} · ${d.evalData.split} split · ${d.candidateEval.doneItems} items scored (version: ${d.evalData.examples} examples, ${Object.entries(d.evalData.splits).map(([k, n]) => `${k} ${n}`).join(' · ')})`);
    w.kv('Eval data hash', d.evalData.contentHash, true);
    w.y -= 6;
  }
  if (d.comparison) {
    w.text(`Candidate ${d.comparison.b.label} against baseline ${d.comparison.a.label}, ${d.comparison.a.doneItems} paired items, bootstrap 95% interval.`, { size: 9.5 });
    for (const m of d.comparison.metrics) {
      w.kv(m.metric === 'f1' ? 'Token F1' : m.metric === 'exact' ? 'Exact match' : 'ROUGE-L', `${pct(m.a)} -> ${pct(m.b)}  (delta ${(m.interval.delta * 100).toFixed(1)} points, 95% [${(m.interval.low * 100).toFixed(1)}, ${(m.interval.high * 100).toFixed(1)}])`);
    }
    w.text(`${d.comparison.improvements} items improved, ${d.comparison.regressions.length} got worse, ${d.comparison.unchanged} unchanged.`, { size: 9, color: MUTED });
  } else w.text(`Candidate eval F1 ${pct(d.candidateEval.scores?.f1)}; no paired baseline eval.`, { size: 9.5 });

  if (d.artefact) {
    w.heading('Exported files');
    for (const f of d.artefact.files) w.kv(`${f.path}${f.path === d.artefact.file ? ' (ships)' : ''}`, `${f.bytes} bytes · sha256 ${f.sha256}`, true);
  }
  w.y -= 10;
  w.text('Every hash can be recomputed from the files; each step is an entry of the hash-chained audit log (lathe audit verify).', { size: 8, color: MUTED });
  const pages = doc.getPages();
  pages.forEach((p, i) => p.drawText(`Page ${i + 1} of ${pages.length}`, { x: A4[0] - MARGIN - 60, y: 24, size: 8, font: w.font, color: MUTED }));
  return doc.save({ useObjectStreams: false });
}
