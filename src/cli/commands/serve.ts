import { startBrowserServer, isLoopback, defaultRendererDir } from '../../engine/server/browser-server.js';
import { projectRoot, resolveDataDir } from '../../engine/paths.js';
import { intFlag, parseFlags } from '../args.js';

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, 'renderer-dir': { type: 'string' },
      openai: { type: 'boolean' }, 'openai-port': { type: 'string' }, 'openai-host': { type: 'string' }, 'openai-allow-remote': { type: 'boolean' },
    },
    'lathe serve [--port N] [--host ADDRESS] [--data-dir DIR] [--openai [--openai-port N] [--openai-host ADDRESS --openai-allow-remote]]',
  );
  const host = values.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    process.stderr.write(
      `WARNING: binding to ${host}: anyone who can reach this address and has the token can use Lathe and read ` +
        'your data. The token is the only protection. Prefer an SSH tunnel to 127.0.0.1 on shared networks.\n',
    );
  }
  const server = await startBrowserServer({
    dataDir: resolveDataDir(values['data-dir']),
    port: intFlag(values.port, 'port', 0),
    host,
    rendererDir: values['renderer-dir'] ?? defaultRendererDir(projectRoot()),
  });
  const info = await server.engine.call('app.info', {});
  if (info.dbProblem) process.stderr.write(`Database problem — running read-only: ${info.dbProblem}\n`);
  process.stdout.write(`Lathe is running in browser mode.\n  Open: ${server.url}\n  Data: ${info.dataDir}\n`);
  if (values.openai) {
    const openai = await server.engine.call('serving.start', {
      port: intFlag(values['openai-port'], 'openai-port', 11_435),
      host: values['openai-host'] ?? '127.0.0.1',
      allowRemote: values['openai-allow-remote'] ?? false,
    });
    process.stdout.write(`  OpenAI-compatible endpoint: ${openai.url}\n  API key: ${openai.apiKey}\n`);
  }
  process.stdout.write('Press Ctrl+C to stop.\n');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('Stopping…\n');
  await server.close();
  return 0;
}
