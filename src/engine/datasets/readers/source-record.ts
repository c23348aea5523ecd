/** One record as a reader yields it (kept apart from record-reader.ts, which imports the readers). */
export interface SourceRecord {
  /** "line 12", "row 7 (line 9)", "item 3": where a person finds it in the file. */
  locator: string;
  value: unknown;
  /** Set when the row could not even be parsed; `value` is then undefined. */
  problem: string | null;
  raw: string;
  bytesRead: number;
}
