import { fork, type ChildProcess } from 'node:child_process';
import type { FrameChannel } from '../../shared/contract/frames.js';
import type { InferenceEventSchemas, InferenceHandlerSpecs } from '../../shared/inference-contract.js';
import { ipcChannel } from '../../shared/transport/ipc-channel.js';
import type { RpcClient } from '../../shared/transport/rpc-client.js';
import { InferenceRpcClient, type ExitInfo } from './crash-attribution.js';
import { siblingEntry } from '../ts-entry.js';

export type InferenceClient = RpcClient<InferenceHandlerSpecs, InferenceEventSchemas>;

/** Where the engine gets its inference channel: a forked Node child (CLI, browser mode) or Electron's port. */
export interface InferenceLink {
  client(): InferenceClient;
  dispose(): Promise<void>;
}

/**
 * The inference host as a Node child process. If it dies (a crashed model load, an OOM kill) the next call
 * starts a fresh one; the engine and its database carry on.
 */
export class ForkedInferenceHost implements InferenceLink {
  private child: ChildProcess | null = null;
  private rpc: InferenceClient | null = null;
  crashes = 0;

  /** The running inference process, if any (tests kill it to stand in for a crash). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  client(): InferenceClient {
    if (this.rpc && this.child && this.child.exitCode === null && this.child.connected) return this.rpc;
    this.start();
    return this.rpc as InferenceClient;
  }

  private start(): void {
    const { file, execArgv } = siblingEntry(import.meta.url, '../../inference/host/child-entry.js');
    const child = fork(file, [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
    // A send racing a killed child fails with EPIPE on the child object; the exit handler below deals with it.
    child.on('error', (err) => process.stderr.write(`[lathe] inference host channel: ${err.message}\n`));
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM') this.crashes += 1;
      if (this.child === child) {
        this.child = null;
        this.rpc = null;
      }
      if (code !== 0 && signal !== 'SIGTERM') {
        process.stderr.write(`[lathe] inference host exited (code ${code}, signal ${signal}); it restarts on next use\n`);
      }
    });
    this.child = child;
    // How it ended, for errors that name the model it was running (its exit arrives just after the channel closes).
    const exited = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const exitInfo = () => Promise.race([exited, new Promise<ExitInfo>((r) => setTimeout(() => r(null), 2000).unref())]);
    this.rpc = new InferenceRpcClient(ipcChannel(child), exitInfo);
  }

  async dispose(): Promise<void> {
    const child = this.child;
    this.rpc?.dispose();
    this.rpc = null;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/** The inference host reached over a channel someone else owns (Electron's MessagePort). */
export class ChannelInferenceLink implements InferenceLink {
  private readonly rpc: InferenceClient;
  constructor(private readonly channel: FrameChannel) {
    this.rpc = new InferenceRpcClient(channel);
  }
  client(): InferenceClient {
    return this.rpc;
  }
  async dispose(): Promise<void> {
    this.rpc.dispose();
    this.channel.close();
  }
}
