import { useEffect, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart as RechartsLineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useTheme } from '../stores/theme.js';
import type { Axis } from './axis-ticks.js';

export interface Series<K extends string> {
  key: K;
  label: string;
  /** Index into the chart palette (--chart-1 … --chart-5); defaults to the series position. */
  colour?: number;
}

export type Point<X extends string, K extends string> = Record<X, number> & Partial<Record<K, number | null>>;

interface LineChartProps<X extends string, K extends string> {
  data: Array<Point<X, K>>;
  x: X;
  series: Array<Series<K>>;
  height?: number;
  xLabel?: string;
  formatY?: (value: number) => string;
  /** Ticks chosen and labelled together (`axis-ticks.ts`), so no two read the same; the axis spans them. */
  yAxis?: Axis;
  /** Log scale, e.g. for loss; values must be positive. */
  logY?: boolean;
  /** The axis starts at zero: a quantity that is never negative (a learning rate) never shows a negative tick. */
  fromZero?: boolean;
  /** Animation is off by default: live curves redraw many times a second. */
  animate?: boolean;
}

interface Palette {
  series: string[];
  grid: string;
  axis: string;
  tooltipBg: string;
  tooltipBorder: string;
  text: string;
}

// SVG presentation attributes do not resolve CSS variables, so the palette is read from the theme tokens.
function readPalette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    series: [1, 2, 3, 4, 5].map((i) => v(`--chart-${i}`)),
    grid: v('--border-subtle'),
    axis: v('--text-tertiary'),
    tooltipBg: v('--surface-raised'),
    tooltipBorder: v('--border'),
    text: v('--text-primary'),
  };
}

function usePalette(): Palette {
  const theme = useTheme((s) => s.theme);
  const [palette, setPalette] = useState(readPalette);
  useEffect(() => setPalette(readPalette()), [theme]);
  return palette;
}

/** Room for the longest tick label at 11 px (Recharts wraps a label wider than the axis at its space: "770.5 / MB"). */
const axisWidth = (axis: Axis) => Math.max(40, Math.ceil(Math.max(...axis.ticks.map((t) => axis.format(t).length)) * 6.6) + 10);

const defaultFormat = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(+v.toFixed(3)));

/** A calm line chart for training curves (loss, learning rate, tokens/s) that follows the theme. */
export function LineChart<X extends string, K extends string>({
  data,
  x,
  series,
  height = 240,
  xLabel,
  formatY = defaultFormat,
  yAxis,
  logY = false,
  fromZero = false,
  animate = false,
}: LineChartProps<X, K>) {
  const palette = usePalette();
  const tick = { fill: palette.axis, fontSize: 11 };
  return (
    <div className="chart" style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        <RechartsLineChart data={data} margin={{ top: 4, right: 12, bottom: xLabel ? 18 : 4, left: 0 }}>
          <CartesianGrid stroke={palette.grid} vertical={false} />
          <XAxis
            allowDecimals={false}
            dataKey={x}
            type="number"
            domain={['dataMin', 'dataMax']}
            tick={tick}
            tickLine={false}
            axisLine={{ stroke: palette.grid }}
            label={xLabel ? { value: xLabel, position: 'insideBottom', offset: -8, fill: palette.axis, fontSize: 11 } : undefined}
          />
          <YAxis
            scale={logY ? 'log' : 'auto'}
            domain={yAxis ? [yAxis.ticks[0]!, yAxis.ticks.at(-1)!] : [fromZero ? 0 : 'auto', 'auto']}
            ticks={yAxis?.ticks}
            // Ticks chosen for the data are all shown: Recharts' default drops one it thinks crowded, leaving a gap.
            interval={yAxis ? 0 : 'preserveEnd'}
            tick={tick}
            tickLine={false}
            axisLine={false}
            width={yAxis ? axisWidth(yAxis) : 48}
            tickFormatter={yAxis?.format ?? formatY}
          />
          <Tooltip
            contentStyle={{
              background: palette.tooltipBg,
              border: `1px solid ${palette.tooltipBorder}`,
              borderRadius: 8,
              fontSize: 12,
              color: palette.text,
            }}
            formatter={(value) => (typeof value === 'number' ? formatY(value) : String(value))}
          />
          {series.length > 1 && (
            <Legend
              verticalAlign="top"
              align="right"
              height={24}
              iconType="plainline"
              wrapperStyle={{ fontSize: 12 }}
              formatter={(value) => <span style={{ color: palette.axis }}>{String(value)}</span>}
            />
          )}
          {series.map((s, i) => (
            <Line
              key={s.key}
              dataKey={s.key}
              name={s.label}
              type="linear"
              stroke={palette.series[(s.colour ?? i) % palette.series.length]}
              strokeWidth={1.75}
              dot={false}
              connectNulls
              isAnimationActive={animate}
            />
          ))}
        </RechartsLineChart>
      </ResponsiveContainer>
    </div>
  );
}
