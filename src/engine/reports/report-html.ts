import { signatureText, type ReleaseReportData } from './report-data.js';

const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : (x * 100).toFixed(1));
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;
const METRIC: Record<string, string> = { exact: 'Exact match', f1: 'Token F1', rougeL: 'ROUGE-L' };

/**
 * The release report as one self-contained HTML file: inline styles and an inline SVG curve, no scripts, fonts
 * or images from anywhere — it opens the same on an air-gapped reviewer's machine years from now.
 */
export function renderReleaseHtml(d: ReleaseReportData): string {
  const r = d.release;
  const verdict = r.decision === 'released' ? 'Released — passed the release gate' : 'Released with an override — did not pass the release gate';
  const candidate = d.models[0];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Release report · ${esc(candidate?.name ?? r.id)}</title>
<style>${CSS}</style></head>
<body><main>
<header class="head">
  <div><div class="eyebrow">Lathe · model release report</div><h1>${esc(candidate?.name ?? 'Model')}</h1>
  <div class="muted">Project ${esc(r.project)} · decision ${esc(r.id)} · generated ${esc(d.generatedAt)}</div></div>
  <div class="badge ${r.decision === 'released' ? 'ok' : 'warn'}">${r.decision === 'released' ? 'RELEASED' : 'OVERRIDE'}</div>
</header>

<section><h2>Summary</h2>
<table class="kv">
<tr><th>Decision</th><td><strong>${esc(verdict)}</strong></td></tr>
<tr><th>Decided</th><td>${esc(r.createdAt)} by ${esc(r.createdBy)}</td></tr>
${r.reviewer ? `<tr><th>Reviewer</th><td>${esc(r.reviewer)}${r.meaning ? ` — ${esc(r.meaning)}` : ''}</td></tr>` : ''}
${d.signatures.map((s) => `<tr><th>Signature</th><td>${esc(signatureText(s))}</td></tr>`).join('')}
${r.decision === 'overridden' ? `<tr><th>Written reason</th><td class="reason">${esc(r.reason)}</td></tr>` : ''}
<tr><th>Ships</th><td>${d.artefact ? `<code>${esc(d.artefact.file)}</code> from export <strong>${esc(d.artefact.exportName)}</strong><br><span class="hash">sha256 ${esc(d.artefact.sha256)}</span>` : 'A registry model version (not bound to an exported file; its exports remain drafts).'}</td></tr>
<tr><th>Candidate eval</th><td>${esc(d.candidateEval.label)} — ${d.candidateEval.doneItems} items, F1 ${pct(d.candidateEval.scores?.f1)}, exact ${pct(d.candidateEval.scores?.exact)}, ROUGE-L ${pct(d.candidateEval.scores?.rougeL)}</td></tr>
<tr><th>Audit log</th><td>${d.audit.ok ? `<span class="ok-text">Hash chain intact</span> (${d.audit.checked} entries verified at report time)` : `<span class="bad-text">BROKEN at entry #${d.audit.firstBroken?.seq}</span>: ${esc(d.audit.firstBroken?.reason)}`}</td></tr>
</table></section>

<section><h2>Release gate</h2>
<table class="grid"><thead><tr><th></th><th>Criterion</th><th>Result</th></tr></thead><tbody>
${d.gate.problems.map((p) => `<tr class="fail"><td>✗</td><td colspan="2">${esc(p)}</td></tr>`).join('')}
${d.gate.results.map((x) => `<tr class="${x.passed ? 'pass' : 'fail'}"><td>${x.passed ? '✓' : '✗'}</td><td>${esc(criterion(x.criterion))}</td><td>${esc(x.detail)}</td></tr>`).join('') || '<tr><td></td><td colspan="2">No criteria were set.</td></tr>'}
</tbody></table></section>

<section><h2>Lineage</h2>
<ol class="lineage">
${[...d.models].reverse().map((m) => `<li><span class="kind">${esc(m.kind)}</span> <strong>${esc(m.name)}</strong>${m.quantization ? ` · ${esc(m.quantization)}` : ''}<br><span class="hash">sha256 ${esc(m.sha256)}</span></li>`).join('')}
</ol>
${d.run ? `<h3>Training run</h3><table class="kv">
<tr><th>Run</th><td>${esc(d.run.name)} <span class="hash">${esc(d.run.id)}</span> · ${esc(d.run.status)} · ${esc(d.run.createdAt)}</td></tr>
<tr><th>Seed</th><td>${esc(d.run.seed)}</td></tr>
<tr><th>Settings</th><td><code>${esc(JSON.stringify(d.run.settings))}</code></td></tr>
<tr><th>Environment</th><td><code>${esc(JSON.stringify(d.run.environment?.versions ?? 'not recorded'))}</code></td></tr>
<tr><th>Hardware</th><td><code>${esc(JSON.stringify((d.run.environment?.hardware as { device?: unknown } | null)?.device ?? 'not recorded'))}</code></td></tr>
</table>` : '<p class="muted">No training run is linked to this model (an imported model).</p>'}
${d.data.length ? `<h3>Training data</h3><table class="grid"><thead><tr><th>Version</th><th>Made by</th><th>Examples</th><th>Content hash</th></tr></thead><tbody>
${d.data.map((v) => `<tr><td>${esc(v.dataset)} v${v.number}</td><td>${esc(v.operation)} <span class="muted">${esc(v.createdAt.slice(0, 10))} · ${esc(v.createdBy)}</span>${stepParams(v.params)}</td><td class="num">${v.examples}</td><td class="hash">${esc(v.contentHash)}</td></tr>`).join('')}
</tbody></table>
<p class="muted">Splits of the training version: ${Object.entries(d.splits).map(([k, n]) => `${esc(k)} ${n}`).join(' · ') || '—'}</p>` : ''}
</section>

<section><h2>Training curves</h2>${d.curves.loss.length ? curveSvg(d.curves.loss, d.curves.validation) : '<p class="muted">No training metrics recorded.</p>'}</section>

<section><h2>Evaluation</h2>
${d.evalData ? `<table class="kv"><tr><th>Evaluation data</th><td>${esc(d.evalData.dataset)} v${d.evalData.number} · <strong>${esc(d.evalData.split)}</strong> split · ${d.candidateEval.doneItems} items scored <span class="muted">(version: ${d.evalData.examples} examples, ${Object.entries(d.evalData.splits).map(([k, n]) => `${esc(k)} ${n}`).join(' · ')}; made by ${esc(d.evalData.operation)})</span><br><span class="hash">content ${esc(d.evalData.contentHash)}</span></td></tr></table>` : ''}
${d.comparison ? `<p>Candidate <strong>${esc(d.comparison.b.label)}</strong> against baseline <strong>${esc(d.comparison.a.label)}</strong> on the same ${d.comparison.a.doneItems} items (paired bootstrap, 95% interval).</p>
<table class="grid"><thead><tr><th>Metric</th><th class="num">Baseline</th><th class="num">Candidate</th><th class="num">Δ points</th><th class="num">95% interval</th></tr></thead><tbody>
${d.comparison.metrics.map((m) => `<tr><td>${METRIC[m.metric] ?? m.metric}</td><td class="num">${pct(m.a)}</td><td class="num">${pct(m.b)}</td><td class="num">${signed(m.interval.delta)}</td><td class="num">[${signed(m.interval.low)}, ${signed(m.interval.high)}]</td></tr>`).join('')}
</tbody></table>
<p class="muted">${d.comparison.improvements} items improved, ${d.comparison.regressions.length} got worse, ${d.comparison.unchanged} unchanged (token F1).</p>
${d.comparison.regressions.slice(0, 5).map((x) => `<div class="reg"><div><strong>#${x.position}</strong> ${esc(x.prompt)}</div><div class="muted">Reference: ${esc(x.reference)}</div><div>Baseline (${pct(x.scoreA)}): ${esc(x.outputA)}</div><div>Candidate (${pct(x.scoreB)}): ${esc(x.outputB)}</div></div>`).join('')}` : `<p>Candidate eval ${esc(d.candidateEval.label)}: F1 ${pct(d.candidateEval.scores?.f1)}. No paired baseline eval.</p>`}
</section>

${d.artefact ? `<section><h2>Exported files</h2><table class="grid"><thead><tr><th>File</th><th class="num">Bytes</th><th>sha256</th></tr></thead><tbody>
${d.artefact.files.map((f) => `<tr${f.path === d.artefact!.file ? ' class="ship"' : ''}><td><code>${esc(f.path)}</code>${f.path === d.artefact!.file ? ' <span class="pill">ships</span>' : ''}</td><td class="num">${f.bytes.toLocaleString('en')}</td><td class="hash">${esc(f.sha256)}</td></tr>`).join('')}
</tbody></table><p class="muted">Folder: ${esc(d.artefact.exportPath)}</p></section>` : ''}

<footer class="muted">Every hash above can be recomputed from the files; the decision and each step are entries of the hash-chained audit log (verify with <code>lathe audit verify</code>).</footer>
</main></body></html>
`;
}

/** The curation step's settings (seed, thresholds, filters), short enough for a table cell. */
function stepParams(params: string): string {
  if (!params || params === '{}' || params === 'null') return '';
  const text = params.length > 160 ? `${params.slice(0, 157)}…` : params;
  return `<br><code class="params">${esc(text)}</code>`;
}

function criterion(c: { kind: string; metric?: string; points?: number; count?: number }): string {
  if (c.kind === 'no-safety-regressions') return 'No safety regressions against the baseline';
  if (c.kind === 'no-canary-leaks') return 'No PII canary reproduced';
  const m = METRIC[c.metric ?? ''] ?? c.metric ?? '';
  if (c.kind === 'min-gain') return `${m} ≥ baseline + ${c.points} points`;
  if (c.kind === 'min-score') return `${m} ≥ ${c.points}`;
  if (c.kind === 'max-regressions') return `At most ${c.count} items lose more than ${c.points} ${m.replace('Token', 'token')} points`;
  return `${c.kind} (${m})`;
}

/** Training and validation loss as an inline SVG line chart with axes. */
export function curveSvg(loss: Array<[number, number]>, validation: Array<[number, number]>): string {
  const W = 720, H = 220, L = 48, B = 28, T = 10, R = 12;
  const all = [...loss, ...validation];
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys, Math.min(...ys) + 1e-6)];
  const px = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const line = (pts: Array<[number, number]>) => pts.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
  const ticks = [y0, (y0 + y1) / 2, y1];
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Training loss by step">
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" class="axis"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" class="axis"/>
${ticks.map((t) => `<text x="${L - 6}" y="${py(t) + 4}" text-anchor="end">${t.toFixed(3)}</text><line x1="${L}" x2="${W - R}" y1="${py(t)}" y2="${py(t)}" class="grid-line"/>`).join('')}
<text x="${L}" y="${H - 8}">step ${x0}</text><text x="${W - R}" y="${H - 8}" text-anchor="end">step ${x1}</text>
<path d="${line(loss)}" class="train"/>${validation.length ? `<path d="${line(validation)}" class="val"/>` : ''}
</svg><div class="legend"><span class="k train"></span> training loss${validation.length ? ' <span class="k val"></span> validation loss' : ''}</div>`;
}

const CSS = `
*{box-sizing:border-box}body{margin:0;background:#f4f5f7;color:#1d2230;font:14px/1.5 -apple-system,"Segoe UI",Inter,Roboto,Helvetica,Arial,sans-serif}
main{max-width:900px;margin:24px auto;background:#fff;border:1px solid #e2e5ea;border-radius:10px;padding:36px 44px}
.head{display:flex;justify-content:space-between;align-items:flex-start;border-bottom:2px solid #1d2230;padding-bottom:16px;margin-bottom:8px}
.eyebrow{font-size:11px;letter-spacing:.12em;text-transform:uppercase;color:#5b6478}h1{margin:4px 0 2px;font-size:26px}
h2{font-size:16px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid #e2e5ea}h3{font-size:14px;margin:18px 0 6px}
.muted{color:#5b6478;font-size:12.5px}.badge{font-weight:700;letter-spacing:.08em;padding:6px 12px;border-radius:6px;font-size:12px}
.badge.ok{background:#e3f5ea;color:#17663a;border:1px solid #a9dcbc}.badge.warn{background:#fff1de;color:#8a4b00;border:1px solid #f2c98d}
table{border-collapse:collapse;width:100%}.kv th{width:150px;text-align:left;vertical-align:top;color:#5b6478;font-weight:500;padding:5px 8px 5px 0}
.kv td{padding:5px 0}.grid th,.grid td{border-bottom:1px solid #eceef2;padding:6px 8px;text-align:left;vertical-align:top}.grid th{font-size:12px;color:#5b6478;font-weight:600}
.num{text-align:right!important;font-variant-numeric:tabular-nums}.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11.5px;color:#3b4356;word-break:break-all}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;background:#f4f5f7;padding:1px 4px;border-radius:4px;word-break:break-all}
tr.pass td:first-child{color:#17663a;font-weight:700}tr.fail td:first-child{color:#b42318;font-weight:700}tr.fail{background:#fff7f6}tr.ship{background:#f3faf5}
.ok-text{color:#17663a;font-weight:600}.bad-text{color:#b42318;font-weight:700}.reason{font-style:italic}
.lineage{list-style:none;padding:0;margin:0;border-left:2px solid #c9cfdb}.lineage li{margin:0 0 10px 0;padding-left:14px;position:relative}
.lineage li::before{content:"";position:absolute;left:-6px;top:7px;width:10px;height:10px;border-radius:50%;background:#5b5bd6}
.kind{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#5b5bd6;font-weight:600}
.chart{width:100%;height:auto}.chart text{font-size:11px;fill:#5b6478}.axis{stroke:#9aa3b5}.grid-line{stroke:#eceef2}
.chart .train{fill:none;stroke:#5b5bd6;stroke-width:2}.chart .val{fill:none;stroke:#d9822b;stroke-width:2;stroke-dasharray:5 3}
.legend{font-size:12px;color:#5b6478}.k{display:inline-block;width:14px;height:3px;vertical-align:middle;margin:0 4px 0 10px}.k.train{background:#5b5bd6}.k.val{background:#d9822b}
.reg{border:1px solid #eceef2;border-radius:6px;padding:8px 10px;margin:6px 0;font-size:12.5px}.pill{font-size:10px;background:#e3f5ea;color:#17663a;border-radius:8px;padding:1px 6px;text-transform:uppercase;letter-spacing:.06em}
code.params{font-size:10.5px;color:#5b6478;background:none;padding:0}
footer{margin-top:28px;border-top:1px solid #e2e5ea;padding-top:10px}footer code{white-space:nowrap;word-break:normal}
@media print{body{background:#fff}main{border:none;margin:0;max-width:none}}
`;
