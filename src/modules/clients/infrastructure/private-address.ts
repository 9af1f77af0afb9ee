import ipaddr from 'ipaddr.js';

/**
 * Is this address one an app may not be pulled from (SPEC §5.2)? IPv4 and IPv6 addresses
 * outside ipaddr.js's `unicast` range (loopback, private, link-local, carrier-grade NAT,
 * unique local, documentation, …) are refused, and so is every IPv6 address that carries an
 * IPv4 one the IPv4 rule refuses. IPv6 is read from its bytes, not from ipaddr.js's range
 * names, which call the IPv4-compatible `::7f00:1` a `unicast` address.
 */
export function isPrivateAddress(address: string): boolean {
  if (!address.includes(':')) {
    return !ipaddr.IPv4.isValid(address) || !isPublicIPv4(ipaddr.IPv4.parse(address).toByteArray());
  }
  const parsed = parseIPv6(address);
  if (!parsed) return true;
  const embedded = embeddedIPv4(parsed.toByteArray());
  if (embedded === 'refused') return true;
  if (embedded) return !embedded.every(isPublicIPv4);
  return parsed.range() !== 'unicast';
}

/**
 * Through the WHATWG URL parser first: ipaddr.js reads `::8.8.8.8` (IPv4-compatible, the form
 * glibc prints such addresses in) as the IPv4-mapped `::ffff:8.8.8.8`. A zone id is refused.
 */
function parseIPv6(address: string): ipaddr.IPv6 | null {
  try {
    const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
    return ipaddr.IPv6.parse(canonical);
  } catch {
    return null;
  }
}

function isPublicIPv4(bytes: number[]): boolean {
  return ipaddr.fromByteArray(bytes).range() === 'unicast';
}

const zero = (bytes: number[], from: number, to: number) =>
  bytes.slice(from, to).every((b) => b === 0);
const prefix = (bytes: number[], head: number[]) => head.every((b, i) => bytes[i] === b);

/**
 * The IPv4 addresses an IPv6 address routes to, for the formats that embed one; 'refused' for
 * the blocks refused whatever they carry; null for an ordinary IPv6 address.
 */
function embeddedIPv4(bytes: number[]): number[][] | 'refused' | null {
  const last32 = bytes.slice(12, 16);
  // ::/96 — unspecified, loopback and the deprecated IPv4-compatible addresses (RFC 4291 §2.5.5.1).
  if (zero(bytes, 0, 12)) return 'refused';
  // ::ffff:0:0/96 IPv4-mapped and ::ffff:0:0:0/96 IPv4-translated (RFC 2765).
  if (zero(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return [last32];
  if (zero(bytes, 0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zero(bytes, 10, 12))
    return [last32];
  // 64:ff9b::/96, the well-known NAT64 prefix (RFC 6052).
  if (prefix(bytes, [0x00, 0x64, 0xff, 0x9b]) && zero(bytes, 4, 12)) return [last32];
  // 64:ff9b:1::/48, local-use NAT64 (RFC 8215): where the IPv4 sits is the operator's choice.
  if (prefix(bytes, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01])) return 'refused';
  // 2002::/16, 6to4 (RFC 3056): the IPv4 in bits 16–47.
  if (prefix(bytes, [0x20, 0x02])) return [bytes.slice(2, 6)];
  // 2001::/32, Teredo (RFC 4380): the server's IPv4, and the client's, bit-inverted, at the end.
  if (prefix(bytes, [0x20, 0x01, 0x00, 0x00])) {
    return [bytes.slice(4, 8), last32.map((b) => b ^ 0xff)];
  }
  return null;
}
