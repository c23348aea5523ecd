/**
 * JSON.parse silently keeps the last of two equal keys ({"output":"a","output":"b"} → "b"), so a source
 * with duplicate keys would import a value nobody chose. This scanner walks the (already valid) JSON text once
 * and reports the first key that appears twice in one object. It is a single char-code loop with no
 * allocation except the key strings, so it adds little to an import.
 */
export interface DuplicateKey {
  key: string;
  /** When the text is a top-level array: the 0-based index of the element holding the duplicate. */
  item: number | null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export function findDuplicateKey(text: string): DuplicateKey | null {
  return scan(text, false)[0] ?? null;
}

/** Every top-level array element (by index) that holds a duplicate key, with the first such key. */
export function duplicateKeysByItem(text: string): Map<number, string> {
  return new Map(scan(text, true).flatMap((d) => (d.item === null ? [] : [[d.item, d.key] as [number, string]])));
}

function scan(text: string, all: boolean): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  // Fast path: a line with fewer than two quoted keys cannot repeat one.
  if (text.indexOf('":') === text.lastIndexOf('":')) return found;
  const keys: Array<string[] | null> = []; // null for arrays; objects have few keys, so a list beats a Set
  let expectKey = false;
  let rootIsArray = false;
  let item = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote with indexOf (most of a line is inside strings); a quote preceded by an odd
      // number of backslashes is escaped.
      const start = i + 1;
      let escaped = false;
      let end = text.indexOf('"', start);
      for (;;) {
        if (end < 0) return found; // unterminated: JSON.parse already said so
        let k = end - 1;
        while (k >= start && text.charCodeAt(k) === BACKSLASH) k--;
        if ((end - 1 - k) % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (expectKey) escaped = text.indexOf('\\', start) >= 0 && text.indexOf('\\', start) < end;
      i = end;
      if (expectKey) {
        const raw = text.slice(start, i);
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        const set = keys[keys.length - 1]!;
        if (set.includes(key)) {
          found.push({ key, item: rootIsArray ? item : null });
          if (!all || !rootIsArray) return found;
        }
        set.push(key);
        expectKey = false;
      }
    } else if (c === OPEN_OBJ) {
      keys.push([]);
      expectKey = true;
    } else if (c === OPEN_ARR) {
      if (keys.length === 0) rootIsArray = true;
      keys.push(null);
      if (keys.length === 1) item = 0;
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      keys.pop();
      expectKey = false;
    } else if (c === COMMA) {
      const top = keys[keys.length - 1];
      if (top) expectKey = true;
      else if (keys.length === 1) item += 1;
    } else if (c === COLON) {
      expectKey = false;
    }
  }
  return found;
}
