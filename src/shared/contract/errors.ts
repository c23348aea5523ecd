/**
 * Errors cross every boundary as data: a stable code, a sentence for the user, and a hint that says what to do.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENTS',
  'UNKNOWN_HANDLER',
  /** No valid session (team mode): signed out, expired, or a disabled account. */
  'UNAUTHORIZED',
  /** A path outside the folders the engine lets a client browse, or (team mode) a role without the handler's permission. */
  'FORBIDDEN',
  /** A client-supplied path that resolves outside the allowed roots (browser/team mode with --allow-dir). */
  'FORBIDDEN_PATH',
  'DB_CORRUPT',
  'DB_READ_ONLY',
  'MIGRATION_FAILED',
  'NOT_FOUND',
  'PYTHON_MISSING',
  'TRAINER_FAILED',
  'INFERENCE_FAILED',
  'MODEL_MISSING',
  'GATE_FAILED',
  /** The thing was already done and is recorded once (a second release of the same candidate). */
  'CONFLICT',
  /** A step that would change nothing: no new version was made. */
  'NO_CHANGE',
  /** The same job (an export of this model, say) is already running; the hint names it. */
  'ALREADY_RUNNING',
  'CANCELLED',
  'TRANSPORT_CLOSED',
  'DISK_FULL',
  /** A compute target could not be reached over SSH (issue 18). */
  'TARGET_UNREACHABLE',
  /** A command on a compute target failed. */
  'TARGET_FAILED',
  /** Files copied to or from a compute target are missing or differ (sha256) after the copy. */
  'TRANSFER_FAILED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface LatheErrorData {
  code: ErrorCode;
  message: string;
  hint: string;
}

/** An error that knows how to become data. Thrown anywhere in the engine; serialised at the boundary. */
export class LatheError extends Error implements LatheErrorData {
  readonly code: ErrorCode;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, hint: string) {
    super(message);
    this.name = 'LatheError';
    this.code = code;
    this.hint = hint;
  }

  toData(): LatheErrorData {
    return { code: this.code, message: this.message, hint: this.hint };
  }

  static from(data: LatheErrorData): LatheError {
    return new LatheError(data.code, data.message, data.hint);
  }
}

/** A write that failed because the disk is full: SQLite's SQLITE_FULL, the OS's ENOSPC, in any process. */
export function isDiskFull(err: unknown): boolean {
  const full = (message: string) => /database or disk is full|no space left on device|ENOSPC/i.test(message);
  // A child's error that crossed a boundary as data (a Python export on a full disk) still quotes the OS in its
  // message; an error Lathe already worded itself ("… the disk is full (ENOSPC) …") is left as it is.
  if (err instanceof LatheError || isErrorData(err)) {
    const data = err as LatheErrorData;
    return data.code === 'DISK_FULL' || /database or disk is full|no space left on device/i.test(data.message);
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return true;
  return full(err instanceof Error ? err.message : String(err));
}

/** Turns anything thrown into error data; unknown errors become INTERNAL with a generic hint. */
export function toErrorData(err: unknown): LatheErrorData {
  if (err instanceof LatheError) return err.toData();
  if (isErrorData(err)) return err;
  if (isDiskFull(err)) {
    return {
      code: 'DISK_FULL',
      message: `The disk is full: ${err instanceof Error ? err.message : String(err)}.`,
      hint: 'Free space on the disk that holds Lathe\'s data folder (or choose another data folder), then try again; what was saved before is intact.',
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'INTERNAL',
    message,
    hint: 'This is a bug in Lathe. Run `lathe doctor` and include its output and this message in a report.',
  };
}

export function isErrorData(value: unknown): value is LatheErrorData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    (ERROR_CODES as readonly string[]).includes(v.code) &&
    typeof v.message === 'string' &&
    typeof v.hint === 'string'
  );
}

/** The sentence a person reads: what happened, then what to do. */
export function describeError(err: LatheErrorData): string {
  return `${err.message}\n→ ${err.hint}`;
}
