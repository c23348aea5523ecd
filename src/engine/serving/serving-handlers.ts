import type { HandlerImpls } from '../../shared/contract/index.js';
import type { OpenAiServing } from './openai-server.js';

type ServingImpls = Pick<HandlerImpls, 'serving.start' | 'serving.stop' | 'serving.status'>;

export function servingHandlers(serving: OpenAiServing): ServingImpls {
  return {
    'serving.start': (args) => serving.start(args),
    'serving.stop': () => serving.stop(),
    'serving.status': async () => serving.status(),
  };
}
