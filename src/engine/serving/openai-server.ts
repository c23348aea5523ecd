import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { LatheError, toErrorData } from '../../shared/contract/errors.js';
import type { GenerationResult } from '../../shared/inference-contract.js';
import type { EngineContext } from '../context.js';
import { requireDb } from '../require-db.js';
import { chatModels, checkTargetFiles, resolveTarget } from '../playground/targets.js';
import { findServedModel, publicModelIds } from './model-ids.js';
import { errorBody, finishReason, samplingFrom, splitMessages, usage, type ChatBody, type CompletionBody } from './openai-protocol.js';

export interface ServingStatus { running: boolean; url: string | null; host: string | null; port: number | null; apiKey: string; startedAt: string | null }

const MAX_BODY = 4 * 1024 * 1024;

/**
 * A local OpenAI-compatible endpoint over the registered GGUF models, so other tools in the lab can use a tuned
 * model. Opt-in, 127.0.0.1 unless the caller explicitly allows another address, and every request needs the
 * API key (stored 0600 in the data folder, so it survives restarts and can be rotated by deleting the file).
 */
export class OpenAiServing {
  private server: http.Server | null = null;
  private info: { host: string; port: number; startedAt: string } | null = null;

  constructor(private readonly ctx: EngineContext) {}

  apiKey(): string {
    const file = path.join(this.ctx.dataDir, 'serving', 'api-key');
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const key = `lathe-${randomBytes(24).toString('base64url')}`;
    fs.writeFileSync(file, key + '\n', { mode: 0o600 });
    return key;
  }

  status(): ServingStatus {
    const i = this.info;
    return { running: Boolean(i), url: i ? `http://${i.host}:${i.port}/v1` : null, host: i?.host ?? null, port: i?.port ?? null, apiKey: this.apiKey(), startedAt: i?.startedAt ?? null };
  }

  async start(opts: { host: string; port: number; allowRemote: boolean }): Promise<ServingStatus> {
    if (this.server) return this.status();
    if (!isLoopback(opts.host) && !opts.allowRemote) {
      throw new LatheError('INVALID_ARGUMENTS', `The endpoint listens on 127.0.0.1 only unless you allow ${opts.host} explicitly.`, 'Keep 127.0.0.1, or set allowRemote (CLI: --openai-host with --openai-allow-remote) if others on your network must reach it.');
    }
    const key = this.apiKey();
    const server = http.createServer((req, res) => void this.handle(req, res, key));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new LatheError('INVALID_ARGUMENTS', `Port ${opts.port} on ${opts.host} cannot be used: ${err.code ?? err.message}.`, 'Pick another port, or stop the program that holds it.')),
      );
      server.listen(opts.port, opts.host, () => resolve());
    });
    this.server = server;
    this.info = { host: opts.host, port: (server.address() as AddressInfo).port, startedAt: new Date().toISOString() };
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

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, key: string): Promise<void> {
    try {
      if (!authorised(req.headers.authorization, key)) return send(res, 401, errorBody(401, 'Incorrect API key provided. Use the key shown on the Playground’s Serving panel.', 'invalid_api_key'));
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/v1/models') return send(res, 200, { object: 'list', data: this.models().map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: 'lathe' })) });
      if (req.method === 'POST' && url.pathname === '/v1/chat/completions') return await this.chat(req, res, (await readJson(req)) as ChatBody);
      if (req.method === 'POST' && url.pathname === '/v1/completions') return await this.completion(req, res, (await readJson(req)) as CompletionBody);
      return send(res, 404, errorBody(404, `No route ${req.method} ${url.pathname}.`, 'not_found'));
    } catch (err) {
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

function authorised(header: string | undefined, key: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!.trim());
  const want = Buffer.from(key);
  return given.length === want.length && timingSafeEqual(given, want);
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function startSse(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

function sse(res: http.ServerResponse, body: unknown): void {
  res.write(`data: ${JSON.stringify(body)}\n\n`);
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY) {
        reject(new LatheError('INVALID_ARGUMENTS', 'The request body is larger than 4 MB.', 'Send a shorter prompt.'));
        req.destroy();
      } else parts.push(b);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8')));
      } catch {
        reject(new LatheError('INVALID_ARGUMENTS', 'The request body is not valid JSON.', 'Send a JSON body with Content-Type: application/json.'));
      }
    });
    req.on('error', reject);
  });
}
