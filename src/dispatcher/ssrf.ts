// The SSRF guard: a webhook URL is chosen by a tenant, so deliveries must not reach the
// machine's own services or private networks unless RELAIS_ALLOW_TARGETS says so. The check runs
// in the connector, after DNS, on the very address connected to (a literal-IP URL skips DNS
// hooks, and a name may resolve differently from one lookup to the next).
import { lookup } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';
import { parseCidr, type Cidr } from '../core/cidr.ts';

export class BlockedTargetError extends Error {
  readonly code = 'RELAIS_BLOCKED_TARGET';
  constructor(address: string) {
    super(`address ${address} is not a public unicast address; allow it with RELAIS_ALLOW_TARGETS`);
  }
}

/** Config has checked them at start (config.ts): a throw here is a caller that skipped it. */
export function parseCidrs(cidrs: readonly string[]): Cidr[] {
  return cidrs.map((c) => {
    const cidr = parseCidr(c);
    if (!cidr) throw new Error(`RELAIS_ALLOW_TARGETS: "${c}" is not an IP address or CIDR`);
    return cidr;
  });
}

export function addressAllowed(address: string, allow: readonly Cidr[]): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (allow.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return true;
  return ip.range() === 'unicast';
}

type Connector = ReturnType<typeof buildConnector>;

/**
 * The address to connect to for `host`: itself when it is an IP, else the first of its DNS
 * answers that `allow` lets through; a BlockedTargetError when none is. The broker destinations
 * connect to the address this gives (their libraries resolve nothing themselves then).
 */
export function resolveAllowed(host: string, allow: readonly Cidr[]): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return addressAllowed(bare, allow) ? Promise.resolve(bare) : Promise.reject(new BlockedTargetError(bare));
  return new Promise((resolve, reject) => {
    lookup(bare, { all: true }, (err, addresses) => {
      if (err) return reject(err);
      const ok = addresses.find((a) => addressAllowed(a.address, allow));
      if (!ok) return reject(new BlockedTargetError(addresses[0]?.address ?? bare));
      resolve(ok.address);
    });
  });
}

export function guardedConnector(allowCidrs: readonly string[], connectTimeoutMs: number): Connector {
  const allow = parseCidrs(allowCidrs);
  const base = buildConnector({ timeout: connectTimeoutMs });
  return (opts, callback) => {
    const host = opts.hostname.replace(/^\[|\]$/g, '');
    const connectTo = (address: string): void => {
      base({ ...opts, hostname: address }, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error('no socket'), null);
        const remote = (socket as Socket).remoteAddress;
        if (remote && !addressAllowed(remote, allow)) {
          socket.destroy();
          return callback(new BlockedTargetError(remote), null);
        }
        callback(null, socket);
      });
    };
    resolveAllowed(host, allow).then(connectTo, (err: Error) => callback(err, null));
  };
}
