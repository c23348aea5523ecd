// Worker entry used when running from TypeScript source (tsx, vitest): registers tsx in this worker, then
// loads the real .ts entry. Built code starts the .js entry directly and never loads this file.
import { workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
await import(pathToFileURL(workerData.__tsEntry).href);
