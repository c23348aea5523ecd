// A plain append-only log file for the main process and the hosts' stdout/stderr, so the "check the log" advice
// in crash dialogs points at something real in a packaged app (where nobody sees the console). Local file only.
import fs from 'node:fs';
import path from 'node:path';

import type { Disposable } from './disposable.js';

export interface MainLog extends Disposable {
  readonly file: string;
  line(source: string, text: string): void;
  /** Copies a host's piped output into the log, one prefixed line per line. */
  pipe(source: string, stream: NodeJS.ReadableStream | null): void;
}

export function openMainLog(logsDir: string): MainLog {
  fs.mkdirSync(logsDir, { recursive: true });
  const file = path.join(logsDir, 'main.log');
  const out = fs.createWriteStream(file, { flags: 'a' });
  out.on('error', () => undefined); // a full disk must not crash the main process

  const line = (source: string, text: string): void => {
    const entry = `${new Date().toISOString()} [${source}] ${text}`;
    console.log(entry);
    if (!out.writableEnded) out.write(`${entry}\n`);
  };

  return {
    file,
    line,
    pipe(source, stream) {
      if (!stream) return;
      let pending = '';
      stream.setEncoding?.('utf8');
      stream.on('data', (chunk: string | Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const text of lines) line(source, text);
      });
      stream.on('end', () => {
        if (pending) line(source, pending);
        pending = '';
      });
    },
    dispose: () =>
      new Promise<void>((resolve) => {
        if (out.writableEnded) return resolve();
        out.end(() => resolve());
      }),
  };
}
