// An address or network as RELAIS_ALLOW_TARGETS lists them (`10.0.0.5` is `10.0.0.5/32`): read by
// config.ts at start, so a bad entry stops the start, and by the SSRF guard that uses them.
import ipaddr from 'ipaddr.js';

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** The network, or undefined when the text is neither an IP address nor a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const address = ipaddr.parse(text);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}
