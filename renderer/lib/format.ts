/** Bytes as a person reads them: 1.5 GB, 812 MB (powers of 1024, labelled as GB/MB like most tools). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 100 || unit === 0 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

/** "just now", "5 min ago", "3 h ago", else the date. */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return formatDateTime(iso);
}

export function shortHash(hash: string, length = 10): string {
  return hash.length > length ? hash.slice(0, length) : hash;
}

/** A duration as a person says it: "under a second", "12 s", "3 min 12 s", "1 h 5 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return 'under a second';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** Time left, rounded as an estimate should be: "about 40 s left", "about 2 min left", "about 1 h 20 min left". */
export function formatTimeLeft(ms: number): string {
  const s = Math.max(0, ms / 1000);
  if (s < 10) return 'a few seconds left';
  if (s < 60) return `about ${Math.round(s / 10) * 10} s left`;
  const m = Math.round(s / 60);
  if (m < 60) return `about ${m} min left`;
  const h = Math.floor(m / 60);
  return m % 60 ? `about ${h} h ${m % 60} min left` : `about ${h} h left`;
}

/**
 * A GGUF model as a picker lists it: its name and its quantisation, which converted and exported models already
 * carry in their name ("tiny-llama · Q8_0") and must not show twice.
 */
export function modelWithQuant(m: { name: string; quantization: string | null }): string {
  if (!m.quantization || m.name.toLowerCase().includes(m.quantization.toLowerCase())) return m.name;
  return `${m.name} · ${m.quantization}`;
}
