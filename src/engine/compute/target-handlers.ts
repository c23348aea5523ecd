import type { HandlerImpls } from '../../shared/contract/index.js';
import type { TargetDirectory } from './target-directory.js';

type TargetImpls = Pick<HandlerImpls, 'targets.list' | 'targets.add' | 'targets.test' | 'targets.remove'>;

export function targetHandlers(targets: TargetDirectory): TargetImpls {
  return {
    'targets.list': async () => ({ targets: targets.list() }),
    'targets.add': async (args) => targets.add(args),
    'targets.test': (args) => targets.test(args.name),
    'targets.remove': async (args) => ({ removed: targets.remove(args.name) }),
  };
}
