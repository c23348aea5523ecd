import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LatheError, toErrorData } from '../../shared/contract/errors.js';
import type { GenerationResult } from '../../shared/inference-contract.js';
import type { EngineContext } from '../context.js';
import { requireDb } from '../require-db.js';
import { chatModels, checkTargetFiles, resolveTarget } from '../playground/targets.js';
import { hostHeaderAllowed, isLoopbackHost } from '../server/host-header.js';
import { apiKeyFile, bearerMatches, ensureApiKey, readApiKey } from './api-key.js';
import { findServedModel, publicModelIds } from './model-ids.js';
import { errorBody, finishReason, parseChatBody, parseCompletionBody, samplingFrom, splitMessages, usage, type ChatBody, type CompletionBody } from './openai-protocol.js';

export interface ServingStatus { running: boolean; url: string | null; host: string | null; port: number | null; apiKey: string; startedAt: string | null }

/** The largest request body the endpoint reads (a chat is far smaller); the check and its 413 message both use it. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** After a 413 the rest of an oversized body is read and dropped (so the client gets the answer, not a reset) for this long at most. */
const DISCARD_MS = 30_000;

/** A refusal of the client's request: answered with this status, never a 5xx. */
class ClientError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly closeAfter = false) {
    super(message);
  }
}

/**
 * A local OpenAI-compatible endpoint over the registered GGUF models, so other tools in the lab can use a tuned
 * model. Opt-in, 127.0.0.1 unless the caller explicitly allows another address, and every request needs the
 * API key (stored 0600 in the data folder, so it survives restarts and can be rotated by deleting the file). The key
 * is made when the endpoint first starts, never by merely asking for the status or shutting the engine down.
 */
export class OpenAiServing {
  private server: http.Server | null = null;
  private info: { host: string; port: number; startedAt: string; key: string } | null = null;

  constructor(private readonly ctx: EngineContext) {}

  /** The key requests need: the one in use while running, else the stored one ('' when there is none yet). Writes nothing. */
  apiKey(): string {
    if (this.info) return this.info.key;
    try {
      return readApiKey(apiKeyFile(this.ctx.dataDir)) ?? '';
    } catch {
      return ''; // a broken key file is reported by start(), which refuses to serve with it
    }
  }

  status(): ServingStatus {
    const i = this.info;
    return { running: Boolean(i), url: i ? `http://${i.host.includes(':') ? `[${i.host}]` : i.host}:${i.port}/v1` : null, host: i?.host ?? null, port: i?.port ?? null, apiKey: this.apiKey(), startedAt: i?.startedAt ?? null };
  }

  async start(opts: { host: string; port: number; allowRemote: boolean }): Promise<ServingStatus> {
    if (this.server) return this.status();
    if (!isLoopbackHost(opts.host) && !opts.allowRemote) {
      throw new LatheError('INVALID_ARGUMENTS', `The endpoint listens on 127.0.0.1 only unless you allow ${opts.host} explicitly.`, 'Keep 127.0.0.1, or set allowRemote (CLI: --openai-host with --openai-allow-remote) if others on your network must reach it.');
    }
    const key = ensureApiKey(apiKeyFile(this.ctx.dataDir));
    const bound = opts.host;
    const server = http.createServer((req, res) => void this.handle(req, res, key, bound));
    // `Expect: 100-continue`: refuse an oversized body before the client sends it.
    server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (declaredLength(req) > MAX_BODY_BYTES) return sendError(res, tooLarge(true));
      res.writeContinue();
      void this.handle(req, res, key, bound);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new LatheError('INVALID_ARGUMENTS', `Port ${opts.port} on ${opts.host} cannot be used: ${err.code ?? err.message}.`, 'Pick another port, or stop the program that holds it.')),
      );
      server.listen(opts.port, opts.host, () => resolve());
    });
    this.server = server;
    this.info = { host: opts.host, port: (server.address() as AddressInfo).port, startedAt: new Date().toISOString(), key };
    this.audit('serving.start', { host: opts.host, port: this.info.port });
    return this.status();
  }

  async stop(): Promise<ServingStatus> {
    const server = this.server;
    if (!server) return this.status();
    this.server = null;
    const port = this.info?.port;
    this.info = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.audit('serving.stop', { port });
    return this.status();
  }

  private audit(action: string, details: Record<string, unknown>): void {
    if (!this.ctx.audit) return;
    this.ctx.events.emit('audit.appended', this.ctx.audit.append({ actor: this.ctx.actor, action, objectType: 'endpoint', objectId: 'openai', details }));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, key: string, bound: string): Promise<void> {
    try {
      if (!hostHeaderAllowed(req.headers.host, bound)) throw new ClientError(421, 'misdirected_request', 'This endpoint answers only requests addressed to a loopback address or localhost (the Host header names another).');
      if (!bearerMatches(req.headers.authorization, key)) return send(res, 401, errorBody(401, 'Incorrect API key provided. Use the key shown on the Playground’s Serving panel.', 'invalid_api_key'));
      const pathname = requestPath(req.url);
      if (req.method === 'GET' && pathname === '/v1/models') return send(res, 200, { object: 'list', data: this.models().map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: 'lathe' })) });
      if (req.method === 'POST' && pathname === '/v1/chat/completions') return await this.chat(req, res, parseChatBody(await readJson(req)));
      if (req.method === 'POST' && pathname === '/v1/completions') return await this.completion(req, res, parseCompletionBody(await readJson(req)));
      return send(res, 404, errorBody(404, `No route ${req.method} ${pathname}.`, 'not_found'));
    } catch (err) {
      if (err instanceof ClientError) {
        if (res.headersSent) return void res.end(`data: ${JSON.stringify(errorBody(err.status, err.message, err.code))}\n\n`);
        return err.status === 413 ? answerTooLarge(req, res, err) : sendError(res, err);
      }
      const e = toErrorData(err);
      const status = e.code === 'INVALID_ARGUMENTS' ? 400 : e.code === 'NOT_FOUND' || e.code === 'MODEL_MISSING' ? 404 : 500;
      if (res.headersSent) {
        res.end(`data: ${JSON.stringify(errorBody(status, e.message, e.code.toLowerCase()))}\n\n`);
      } else send(res, status, errorBody(status, `${e.message} ${e.hint}`, e.code.toLowerCase()));
    }
  }

  /** Public ids: URL- and client-safe slugs of the registry names, each with the start of the model id (model-ids.ts). */
  private models() {
    const list = chatModels(requireDb(this.ctx).db);
    const ids = publicModelIds(list);
    return list.map((m, i) => ({ id: ids[i]!, modelId: m.id, name: m.name, created: 0 }));
  }

  /** The files for a request's model, and the public id answers name it by. */
  private target(model: string) {
    if (typeof model !== 'string' || !model) throw new LatheError('INVALID_ARGUMENTS', 'model is required.', 'Pass one of the ids from GET /v1/models.');
    const m = findServedModel(this.models(), model);
    if (!m) throw new LatheError('NOT_FOUND', `The model "${model}" does not exist.`, 'Pass one of the ids from GET /v1/models.');
    const target = resolveTarget(requireDb(this.ctx).db, { modelId: m.modelId, adapterIds: [] });
    checkTargetFiles(target);
    return { ...target, publicId: m.id };
  }

  private async chat(req: http.IncomingMessage, res: http.ServerResponse, body: ChatBody): Promise<void> {
    const target = this.target(body.model);
    const { system, history, prompt } = splitMessages(body.messages);
    const args = { modelPath: target.model.path, adapters: target.adapters.map((a) => ({ path: a.path })), ...(system ? { system } : {}), history, prompt, ...samplingFrom(body, 512) };
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: object, finish: string | null) => ({ id, object: 'chat.completion.chunk', created, model: target.publicId, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    if (!body.stream) {
      const r = await this.generate('inference.chat', args, req, () => undefined);
      return send(res, 200, { id, object: 'chat.completion', created, model: target.publicId, choices: [{ index: 0, message: { role: 'assistant', content: r.text, refusal: null }, finish_reason: finishReason(r), logprobs: null }], usage: usage(r) });
    }
    startSse(res);
    sse(res, chunk({ role: 'assistant', content: '' }, null));
    const r = await this.generate('inference.chat', args, req, (text) => sse(res, chunk({ content: text }, null)));
    sse(res, chunk({}, finishReason(r)));
    if (body.stream_options?.include_usage) sse(res, { id, object: 'chat.completion.chunk', created, model: target.publicId, choices: [], usage: usage(r) });
    res.end('data: [DONE]\n\n');
  }

  private async completion(req: http.IncomingMessage, res: http.ServerResponse, body: CompletionBody): Promise<void> {
    const target = this.target(body.model);
    const prompt = Array.isArray(body.prompt) ? body.prompt.join('') : body.prompt;
    if (typeof prompt !== 'string' || !prompt) throw new LatheError('INVALID_ARGUMENTS', 'prompt must be a non-empty string.', 'Pass the text to continue.');
    const args = { modelPath: target.model.path, adapters: target.adapters.map((a) => ({ path: a.path })), prompt, ...samplingFrom(body, 16) };
    const id = `cmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const choice = (text: string, finish: string | null) => ({ id, object: 'text_completion', created, model: target.publicId, choices: [{ index: 0, text, finish_reason: finish, logprobs: null }] });
    if (!body.stream) {
      const r = await this.generate('inference.complete', args, req, () => undefined);
      return send(res, 200, { ...choice(r.text, finishReason(r)), usage: usage(r) });
    }
    startSse(res);
    const r = await this.generate('inference.complete', args, req, (text) => sse(res, choice(text, null)));
    sse(res, choice('', finishReason(r)));
    res.end('data: [DONE]\n\n');
  }

  /** One generation on the inference host; a client that hangs up cancels it. */
  private async generate<N extends 'inference.chat' | 'inference.complete'>(name: N, args: Record<string, unknown>, req: http.IncomingMessage, onText: (t: string) => void): Promise<GenerationResult> {
    const requestId = `openai-${randomUUID()}`;
    const client = this.ctx.inference.client();
    const stopListening = client.listen('inference.token', (t) => t.requestId === requestId && onText(t.text));
    const onClose = () => void client.send('inference.cancel', { requestId }).catch(() => undefined);
    req.socket.once('close', onClose);
    try {
      return (await client.send(name, { ...args, requestId } as never)) as GenerationResult;
    } finally {
      req.socket.off('close', onClose);
      stopListening();
    }
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function startSse(res: http.ServerResponse): void {
  // No Connection header: HTTP/1.1 keeps the connection by default, and a client that asked to close gets that.
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

function sse(res: http.ServerResponse, body: unknown): void {
  res.write(`data: ${JSON.stringify(body)}\n\n`);
}

function sendError(res: http.ServerResponse, err: ClientError): void {
  res.writeHead(err.status, { 'content-type': 'application/json', ...(err.closeAfter ? { connection: 'close' } : {}) });
  res.end(JSON.stringify(errorBody(err.status, err.message, err.code)));
}

/** The path of a request target; a target that is no URL path at all (`//`, `*`, junk) matches no route. */
function requestPath(target: string | undefined): string {
  if (!target?.startsWith('/')) return target ?? '';
  try {
    return new URL(`http://localhost${target}`).pathname;
  } catch {
    return target;
  }
}

function declaredLength(req: http.IncomingMessage): number {
  const n = Number(req.headers['content-length']);
  return Number.isFinite(n) ? n : 0;
}

const tooLarge = (closeAfter = false) =>
  new ClientError(413, 'request_too_large', `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.`, closeAfter);

/**
 * The 413 goes out at once, but the response ends (and the connection closes) only once the client has finished
 * sending: closing a socket with unread data resets it, and the client might never see the answer. What still
 * arrives is read and dropped, nothing kept, for DISCARD_MS at most; then the socket is cut.
 */
function answerTooLarge(req: http.IncomingMessage, res: http.ServerResponse, err: ClientError): void {
  const body = JSON.stringify(errorBody(err.status, err.message, err.code));
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.write(body);
  if (req.readableEnded) return void res.end();
  const timer = setTimeout(() => {
    res.end();
    req.socket.destroy();
  }, DISCARD_MS);
  timer.unref();
  req.once('end', () => {
    clearTimeout(timer);
    res.end();
  });
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** The body as JSON: refused with 413 past MAX_BODY_BYTES (declared or counted), 400 when not UTF-8 JSON. */
function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (declaredLength(req) > MAX_BODY_BYTES) return reject(tooLarge());
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (b: Buffer) => {
      if (over) return;
      size += b.length;
      if (size > MAX_BODY_BYTES) {
        over = true;
        parts.length = 0;
        reject(tooLarge());
      } else parts.push(b);
    });
    req.on('end', () => {
      if (over) return;
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(parts));
      } catch {
        return reject(new ClientError(400, 'invalid_request_error', 'The request body is not valid UTF-8.'));
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new ClientError(400, 'invalid_request_error', 'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.'));
      }
    });
    req.on('error', reject);
  });
}
