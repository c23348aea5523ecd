import net from 'node:net';

/** What came back for one raw request: the parsed answer, or `reset` when the connection broke before one arrived. */
export type RawAnswer =
  | { reset: false; status: number; headers: Record<string, string>; body: Buffer; json: unknown }
  | { reset: true; error: string; received: string };

/**
 * One HTTP/1.1 request written byte for byte on a fresh connection to 127.0.0.1 (so Host, the request target and
 * the body can be anything a hostile client sends), answered with whatever the server said. The request is
 * `Connection: close`; the answer is read until the server closes.
 */
export function rawRequest(port: number, opts: { method?: string; target?: string; host?: string | null; headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number; /** the body is already chunked-encoded: send no Content-Length */ chunkedBody?: boolean }): Promise<RawAnswer> {
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : (opts.body ?? Buffer.alloc(0));
  const lines = [`${opts.method ?? 'GET'} ${opts.target ?? '/'} HTTP/1.1`];
  if (opts.host !== null) lines.push(`Host: ${opts.host ?? `127.0.0.1:${port}`}`);
  for (const [k, v] of Object.entries(opts.headers ?? {})) lines.push(`${k}: ${v}`);
  const lengthGiven = Object.keys(opts.headers ?? {}).some((k) => k.toLowerCase() === 'content-length');
  if (!opts.chunkedBody && !lengthGiven && (body.length || opts.method === 'POST')) lines.push(`Content-Length: ${body.length}`);
  lines.push('Connection: close', '', '');
  const head = Buffer.from(lines.join('\r\n'), 'latin1');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (body.length) socket.write(body);
    });
    let settled = false;
    const settle = (a: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => settle({ reset: true, error: 'timeout', received: Buffer.concat(chunks).toString('latin1').slice(0, 200) }), opts.timeoutMs ?? 20_000);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (e) => settle({ reset: true, error: (e as NodeJS.ErrnoException).code ?? e.message, received: Buffer.concat(chunks).toString('latin1').slice(0, 200) }));
    socket.on('end', () => settle(parseAnswer(Buffer.concat(chunks))));
  });
}

function parseAnswer(raw: Buffer): RawAnswer {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) return { reset: true, error: 'no complete answer', received: raw.toString('latin1').slice(0, 200) };
  const [statusLine, ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  let json: unknown = undefined;
  if ((headers['content-type'] ?? '').includes('application/json')) {
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      json = undefined;
    }
  }
  return { reset: false, status, headers, body, json };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
