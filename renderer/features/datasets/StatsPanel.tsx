import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DatasetVersion, LatheErrorData, ResultOf } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { GaugeIcon } from '../../components/icons.js';
import { shortHash } from '../../lib/format.js';
import { asErrorData } from '../../stores/errors.js';
import { useTheme } from '../../stores/theme.js';
import { loadStats } from './datasets-store.js';
import { STATUS_LABELS } from './ReviewFilters.js';
import { rememberedTokenizer, rememberTokenizer, TokenizerPicker } from './TokenizerPicker.js';

type Stats = ResultOf<'datasets.stats'>;

/** Counts of one version, and its token lengths under a chosen base model's tokenizer (counted once, then cached). */
export function StatsPanel({ version }: { version: DatasetVersion }) {
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const [busy, setBusy] = useState(false);
  const [tokenizer, setTokenizer] = useState(rememberedTokenizer);

  async function run(withTokens: boolean) {
    setBusy(true);
    setError(null);
    try {
      const path = tokenizer.trim();
      if (withTokens) rememberTokenizer(path);
      setStats(await loadStats(version.id, withTokens && path ? path : null));
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    void run(Boolean(tokenizer.trim()));
  }, [version.id]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <div className="stats" data-testid="stats-panel">
      <form
        className="stats-tokenizer"
        onSubmit={(e) => {
          e.preventDefault();
          void run(true);
        }}
      >
        <span className="stats-tokenizer-field">
          <TokenizerPicker label="Base model tokenizer" value={tokenizer} onChange={setTokenizer} emptyLabel="Choose the base model you will train…" testId="stats-tokenizer" />
        </span>
        <Button type="submit" variant="primary" icon={GaugeIcon} busy={busy} disabled={!tokenizer.trim()} data-testid="stats-count">
          Count tokens
        </Button>
      </form>
      {error && <ErrorAlert title="Could not compute the stats" error={error} />}
      {stats && (
        <>
          <div className="stats-tiles">
            <Tile label="Examples" value={stats.examples.toLocaleString('en')} testId="stats-examples" />
            <Tile label="Tokens" value={stats.tokens ? stats.tokens.total.toLocaleString('en') : '—'} testId="stats-tokens" />
            <Tile label="Median" value={stats.tokens ? `${stats.tokens.p50}` : '—'} />
            <Tile label="95th pct." value={stats.tokens ? `${stats.tokens.p95}` : '—'} />
            <Tile label="Longest" value={stats.tokens ? `${stats.tokens.max}` : '—'} />
          </div>
          {stats.tokens ? (
            <section className="stats-chart" aria-label="Token length histogram" data-testid="stats-histogram">
              <h3 className="stats-title">
                Tokens per example <span className="stats-sub">tokenizer {shortHash(stats.tokens.tokenizer.sha256, 8)} · text only, without chat markup</span>
              </h3>
              <Histogram data={stats.tokens.histogram} />
            </section>
          ) : (
            <p className="field-hint">Choose the base model you will train to see token lengths; counts are cached per tokenizer.</p>
          )}
          <div className="stats-tables">
            <Table title="Sources" rows={stats.bySource.map((s) => [s.source, s.count])} total={stats.examples} testId="stats-sources" />
            <Table title="Splits" rows={Object.entries(stats.bySplit).map(([k, n]) => [k === 'none' ? 'not split' : k, n])} total={stats.examples} testId="stats-splits" />
            <Table
              title="Review"
              rows={Object.entries(stats.byStatus).filter(([, n]) => n > 0).map(([k, n]) => [STATUS_LABELS[k] ?? k, n])}
              total={stats.examples}
              testId="stats-review"
            />
          </div>
        </>
      )}
    </div>
  );
}

function Tile({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stats-tile">
      <span className="stats-tile-label">{label}</span>
      <span className="stats-tile-value" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

function Table({ title, rows, total, testId }: { title: string; rows: Array<[string, number]>; total: number; testId: string }) {
  return (
    <section className="stats-table" data-testid={testId}>
      <h3 className="stats-title">{title}</h3>
      <table>
        <tbody>
          {rows.slice(0, 12).map(([k, n]) => (
            <tr key={k}>
              <td className="stats-key" title={k}>
                {k}
              </td>
              <td className="stats-num">{n.toLocaleString('en')}</td>
              <td className="stats-bar">
                <span style={{ width: `${(n / Math.max(1, total)) * 100}%` }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Histogram({ data }: { data: Array<{ from: number; to: number; count: number }> }) {
  const theme = useTheme((s) => s.theme);
  const [colours, setColours] = useState({ bar: '#5b5bd6', grid: '#eee', axis: '#888', bg: '#fff', border: '#ddd', text: '#111' });
  useEffect(() => {
    const css = getComputedStyle(document.documentElement);
    const v = (n: string) => css.getPropertyValue(n).trim();
    setColours({ bar: v('--chart-1'), grid: v('--border-subtle'), axis: v('--text-tertiary'), bg: v('--surface-raised'), border: v('--border'), text: v('--text-primary') });
  }, [theme]);
  const rows = data.map((b) => ({ label: b.from === b.to ? `${b.from}` : `${b.from}–${b.to}`, count: b.count }));
  return (
    <div className="chart" style={{ height: 220 }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid stroke={colours.grid} vertical={false} />
          <XAxis dataKey="label" tick={{ fill: colours.axis, fontSize: 11 }} tickLine={false} axisLine={{ stroke: colours.grid }} interval="preserveStartEnd" />
          <YAxis allowDecimals={false} tick={{ fill: colours.axis, fontSize: 11 }} tickLine={false} axisLine={false} width={40} />
          <Tooltip
            cursor={{ fill: colours.grid }}
            contentStyle={{ background: colours.bg, border: `1px solid ${colours.border}`, borderRadius: 8, fontSize: 12, color: colours.text }}
            formatter={(v) => [String(v), 'examples']}
            labelFormatter={(l) => `${String(l)} tokens`}
          />
          <Bar dataKey="count" fill={colours.bar} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
