import type http from 'node:http';

/**
 * A request's body that nobody reads must still be read before the answer: Node 24 closes the socket as soon as
 * the answer is written while a body is still arriving, so a client still sending gets a reset instead of the
 * answer (Node 20 drained it). Node's requestTimeout bounds how long a body may take.
 */

/** Whether a request carries a body (a length above zero, or chunked). */
export function hasBody(req: http.IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/** Calls `then` once the request's body (if any) has been read to its end and discarded. */
export function afterBody(req: http.IncomingMessage, then: () => void): void {
  if (req.complete || req.readableEnded || !hasBody(req)) return then();
  req.once('end', then);
  req.resume();
}
