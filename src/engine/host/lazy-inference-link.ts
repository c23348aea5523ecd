import { LatheError } from '../../shared/contract/errors.js';
import type { InferenceClient, InferenceLink } from '../inference/inference-process.js';

/** Holds the inference link Electron main hands over, and swaps it when main restarts the inference host. */
export class LazyInferenceLink implements InferenceLink {
  private current: InferenceLink | null = null;

  replace(link: InferenceLink): void {
    void this.current?.dispose();
    this.current = link;
  }

  client(): InferenceClient {
    if (!this.current) {
      throw new LatheError(
        'INFERENCE_FAILED',
        'The inference host is not connected yet.',
        'Wait a moment; if this persists, restart Lathe.',
      );
    }
    return this.current.client();
  }

  async dispose(): Promise<void> {
    await this.current?.dispose();
    this.current = null;
  }
}
