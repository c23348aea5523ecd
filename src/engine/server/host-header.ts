import net from 'node:net';

/**
 * The one Host-header rule for every server Lathe runs (browser mode's pages and WebSocket, the OpenAI-compatible
 * endpoint). A server bound to loopback answers only requests that name loopback: a loopback IP address
 * (127.0.0.0/8, ::1, ::ffff:127.x) or the name `localhost`. Anything else — `evil.example`, `127.evil.example`,
 * `localhost.evil.example` — is a page that rebound its own name to 127.0.0.1 (DNS rebinding) and is refused.
 *
 * A server the operator bound to another address on purpose (`--host`, `--openai-host` with allowRemote) is reached
 * under names we cannot know (its LAN address, DNS names, a 0.0.0.0 wildcard), so there the check is off and only the
 * token or API key protects it, as before.
 */

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4'); // also matches ::ffff:127.x.y.z
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether an address or name (no port, no brackets) is this machine's loopback. Never resolves names. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const name = bare.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost') return true;
  const family = net.isIP(bare);
  if (family === 0) return false;
  try {
    return LOOPBACK.check(bare, family === 6 ? 'ipv6' : 'ipv4');
  } catch {
    return false; // e.g. an IPv6 zone id BlockList does not take
  }
}

/**
 * The host part of a Host header, or null when the header is missing or malformed. Accepts `name`, `name:port`,
 * `a.b.c.d[:port]` and `[v6][:port]`; a bare IPv6 address (colons without brackets), userinfo, paths, spaces and
 * empty ports are malformed.
 */
export function parseHostHeader(header: string | undefined): string | null {
  if (!header || header.length > 300) return null;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/@?#\\]+))(?::(\d{1,5}))?$/.exec(header);
  if (!m) return null;
  if (m[3] !== undefined && Number(m[3]) > 65_535) return null;
  if (m[1] !== undefined) return net.isIP(m[1]) === 6 ? m[1] : null;
  return m[2]!;
}

/** May a server bound to `bound` answer a request whose Host header is `header`? See the file comment. */
export function hostHeaderAllowed(header: string | undefined, bound: string): boolean {
  if (!isLoopbackHost(bound)) return true;
  const host = parseHostHeader(header);
  return host !== null && isLoopbackHost(host);
}
