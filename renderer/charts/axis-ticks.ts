/**
 * Y-axis ticks a reader can tell apart. Recharts picks its ticks and formats each one alone, so a formatter with
 * fixed precision repeats labels when the data moves less than that precision (a run's memory between 700.1 and
 * 700.4 MB read "700 MB" five times). Here the ticks are chosen first (round steps in the unit shown) and every
 * label gets the precision the step needs.
 */
export interface Axis {
  ticks: number[];
  format: (value: number) => string;
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** A round step (1, 2, 2.5 or 5 × 10^k) at least `rough`. */
function niceStep(rough: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const mantissa = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough * (1 - 1e-9)) ?? 10;
  return mantissa * magnitude;
}

/** Decimals that show a step exactly: 0.25 needs 2, 0.5 needs 1, 20 needs 0. */
function decimalsFor(step: number): number {
  for (let d = 0; d < 10; d += 1) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6) return d;
  return 10;
}

/** Ticks covering [min, max] in round steps of the scaled values, about `count` of them. */
function roundTicks(min: number, max: number, count: number): { ticks: number[]; step: number } {
  const span = max - min;
  // A flat line still gets an axis: a band of ±1 % (or ±1 for zero) around it.
  const pad = span > 0 ? 0 : Math.abs(min) * 0.01 || 1;
  const lo = min - pad;
  const hi = max + pad;
  const step = niceStep((hi - lo) / Math.max(1, count - 1));
  // The tolerance keeps 700.1 / 0.1 = 7000.999… on tick 7001.
  const first = Math.floor(lo / step + 1e-6);
  const last = Math.ceil(hi / step - 1e-6);
  const ticks: number[] = [];
  for (let i = first; i <= last; i += 1) ticks.push(i * step);
  return { ticks, step };
}

/** Round ticks over the values divided by `scale`, each label with the decimals its step needs, then `unit`. */
function scaledAxis(finite: number[], scale: number, unit: string, count: number): Axis {
  const { ticks, step } = roundTicks(Math.min(...finite) / scale, Math.max(...finite) / scale, count);
  const decimals = decimalsFor(step);
  return { ticks: ticks.map((t) => t * scale), format: (value) => `${(value / scale).toFixed(decimals)}${unit}` };
}

/** An axis for byte counts: the unit of the largest value, round steps in that unit, as many decimals as the step. */
export function bytesAxis(values: number[], count = 5): Axis | undefined {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return undefined;
  const largest = Math.max(...finite.map(Math.abs));
  let unit = 0;
  while (largest >= 1024 ** (unit + 1) && unit < BYTE_UNITS.length - 1) unit += 1;
  return scaledAxis(finite, 1024 ** unit, ` ${BYTE_UNITS[unit]}`, count);
}

/** An axis for plain numbers (throughput, norms): round steps, thousands as "k", as many decimals as the step. */
export function numberAxis(values: number[], count = 5): Axis | undefined {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return undefined;
  const thousands = Math.max(...finite.map(Math.abs)) >= 1000;
  return scaledAxis(finite, thousands ? 1000 : 1, thousands ? 'k' : '', count);
}
