import fs from 'node:fs';
import { LatheError } from '../../shared/contract/errors.js';
import { startBrowserServer, isLoopback, defaultRendererDir } from '../../engine/server/browser-server.js';
import { projectRoot, resolveDataDir } from '../../engine/paths.js';
import { intFlag, parseFlags } from '../args.js';

const USAGE =
  'lathe serve [--port N] [--host ADDRESS [--tls-cert FILE --tls-key FILE | --insecure-http]] [--team [--idle-minutes N]] ' +
  '[--allow-dir DIR]… [--data-dir DIR] [--openai [--openai-port N] [--openai-host ADDRESS --openai-allow-remote]]';

function readPem(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new LatheError('NOT_FOUND', `${flag} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`, 'Give the path of a PEM file.');
  }
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, 'renderer-dir': { type: 'string' },
      team: { type: 'boolean' }, 'allow-dir': { type: 'string', multiple: true }, 'idle-minutes': { type: 'string' },
      'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'insecure-http': { type: 'boolean' },
      openai: { type: 'boolean' }, 'openai-port': { type: 'string' }, 'openai-host': { type: 'string' }, 'openai-allow-remote': { type: 'boolean' },
    },
    USAGE,
  );
  const host = values.host ?? '127.0.0.1';
  const [cert, key] = [values['tls-cert'], values['tls-key']];
  if ((cert === undefined) !== (key === undefined)) throw new LatheError('INVALID_ARGUMENTS', 'Give --tls-cert and --tls-key together.', `Usage: ${USAGE}`);
  if (!isLoopback(host) && !cert && !values['insecure-http']) {
    throw new LatheError(
      'INVALID_ARGUMENTS',
      `--host ${host} is reachable from the network, and plain http would carry passwords, session cookies, the token and your data in clear text.`,
      'Give --tls-cert FILE --tls-key FILE (PEM), or keep Lathe on 127.0.0.1 behind a TLS reverse proxy, or pass --insecure-http on a network you trust.',
    );
  }
  if (!isLoopback(host) && !cert) {
    process.stderr.write(
      `WARNING: --insecure-http on ${host}: everything between browsers and this server — passwords, session cookies, the ` +
        'token and your data — crosses the network unencrypted, readable and changeable by anyone on the path. Use TLS ' +
        '(--tls-cert/--tls-key or a reverse proxy) unless this network is yours alone.\n',
    );
  } else if (!isLoopback(host) && !values.team) {
    process.stderr.write(`WARNING: binding to ${host}: anyone who can reach this address and has the token can use Lathe. Prefer --team (named users and roles).\n`);
  }
  const idle = values['idle-minutes'] === undefined ? 30 : Number(values['idle-minutes']);
  if (!Number.isFinite(idle) || idle <= 0 || idle > 24 * 60) throw new LatheError('INVALID_ARGUMENTS', `--idle-minutes must be between 1 and 1440, got "${values['idle-minutes']}".`, 'Example: --idle-minutes 30');
  const server = await startBrowserServer({
    dataDir: resolveDataDir(values['data-dir']),
    port: intFlag(values.port, 'port', 0),
    host,
    rendererDir: values['renderer-dir'] ?? defaultRendererDir(projectRoot()),
    team: values.team ?? false,
    users: { idleMs: idle * 60_000 },
    ...(values['allow-dir'] ? { allowDirs: values['allow-dir'] } : {}),
    ...(cert && key ? { tls: { cert: readPem(cert, '--tls-cert'), key: readPem(key, '--tls-key') } } : {}),
    insecureHttp: values['insecure-http'] ?? false,
  });
  const info = await server.engine.call('app.info', {});
  if (info.dbProblem) process.stderr.write(`Database problem — running read-only: ${info.dbProblem}\n`);
  process.stdout.write(`Lathe is running in browser mode${server.team ? ' for a team (sign-in required)' : ''}.\n  Open: ${server.url}\n  Data: ${info.dataDir}\n`);
  const roots = server.engine.ctx.fileRoots;
  if (roots) process.stdout.write(`  Clients may read and write only inside: ${roots.map((r) => r.path).join(', ')}\n`);
  if (server.team) process.stdout.write(`  Sessions end after ${idle} idle minutes; 5 wrong passwords lock an account for 15 minutes.\n`);
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
