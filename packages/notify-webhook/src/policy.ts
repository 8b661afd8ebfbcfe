import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { InvalidCallbackError, InvalidRequestError, UnavailableError } from '@visionq/core';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to. Rejects with an error whose `code` is `ENOTFOUND` for no such host. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Which callback URLs are acceptable, checked when a task is submitted and again at every connection. */
export interface CallbackPolicy {
  /**
   * Host names a callback may name: exact (`hooks.example.org`) or a wildcard for every subdomain
   * (`*.example.org`, not `example.org` itself). An empty list turns webhooks off: every URL is refused.
   */
  readonly allowedHosts: readonly string[];
  /** Accept `http:` URLs too. Default false: https only. */
  readonly allowHttp?: boolean;
  /** Accept private addresses (10/8, 172.16/12, 192.168/16, 100.64/10 and fc00::/7). Default false. */
  readonly allowPrivateAddresses?: boolean;
  /**
   * Addresses or CIDR ranges accepted whatever their kind (`10.1.2.3`, `10.0.0.0/8`, `::1`): the only way to let a
   * callback reach a loopback or link-local address. Default none.
   */
  readonly allowedAddresses?: readonly string[];
  /** How host names are resolved. Default: `dns.lookup` with `all: true`, as connections resolve them. */
  readonly resolve?: Resolver;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

const PRIVATE_RANGES = new Set(['private', 'carrierGradeNat', 'uniqueLocal']);

/** A policy checked once: host patterns and address ranges parsed, bad entries refused with a clear error. */
export class CheckedPolicy {
  readonly allowHttp: boolean;
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges: Cidr[];
  private readonly allowPrivate: boolean;
  readonly resolve: Resolver;

  constructor(policy: CallbackPolicy) {
    if (!Array.isArray(policy.allowedHosts))
      throw new InvalidRequestError(
        'callback policy: allowedHosts is required (an empty list turns webhooks off)',
      );
    for (const entry of policy.allowedHosts) {
      const host = normaliseHost(entry.trim());
      if (host.startsWith('*.') && host.length > 2) this.suffixes.push(host.slice(1));
      else if (host && !host.includes('*')) this.exact.add(host);
      else
        throw new InvalidRequestError(`callback policy: "${entry}" is not a host name or *.domain pattern`);
    }
    this.ranges = (policy.allowedAddresses ?? []).map(parseRange);
    this.allowHttp = policy.allowHttp ?? false;
    this.allowPrivate = policy.allowPrivateAddresses ?? false;
    this.resolve = policy.resolve ?? resolveAll;
  }

  get webhooksOff(): boolean {
    return this.exact.size === 0 && this.suffixes.length === 0;
  }

  hostAllowed(hostname: string): boolean {
    const host = normaliseHost(hostname);
    return this.exact.has(host) || this.suffixes.some((suffix) => host.endsWith(suffix));
  }

  /** Public unicast addresses pass; any other kind only when the policy names it (IPv4-mapped IPv6 judged as IPv4). */
  addressAllowed(address: string): boolean {
    if (!ipaddr.isValid(address)) return false;
    const ip = ipaddr.process(address);
    if (this.ranges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits))) return true;
    const kind = ip.range();
    return kind === 'unicast' || (this.allowPrivate && PRIVATE_RANGES.has(kind));
  }
}

/**
 * Checks a callback URL against the policy, as the API does before it accepts a task: https (unless allowed
 * otherwise), no user name or password, a host on the allow-list, and every address it resolves to acceptable.
 * Resolves with the parsed URL; rejects with `InvalidCallbackError` (a 422), or `UnavailableError` when the
 * name cannot be resolved now (DNS down).
 */
export async function checkCallbackUrl(
  url: string | URL,
  policy: CallbackPolicy | CheckedPolicy,
): Promise<URL> {
  const checked = policy instanceof CheckedPolicy ? policy : new CheckedPolicy(policy);
  const parsed = checkUrlShape(url, checked);
  const literal = ipLiteral(parsed.hostname);
  const addresses = literal ? [literal] : await resolveChecked(parsed.hostname, checked);
  if (addresses.length === 0 || !addresses.every((address) => checked.addressAllowed(address)))
    throw new InvalidCallbackError(
      'address_not_allowed',
      'the callback URL names an address that is not allowed',
    );
  return parsed;
}

/** Everything `checkCallbackUrl` checks without resolving the name (an IP literal's address included). */
export function checkUrlShape(url: string | URL, policy: CheckedPolicy): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new InvalidCallbackError('malformed', 'the callback URL is not a URL', { cause });
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && policy.allowHttp))
    throw new InvalidCallbackError(
      'scheme',
      `the callback URL must be https${policy.allowHttp ? ' or http' : ''}`,
    );
  if (parsed.username || parsed.password)
    throw new InvalidCallbackError('userinfo', 'the callback URL must not carry a user name or password');
  if (policy.webhooksOff)
    throw new InvalidCallbackError('webhooks_off', 'webhooks are not enabled on this server');
  if (!policy.hostAllowed(parsed.hostname))
    throw new InvalidCallbackError('host_not_allowed', 'the callback URL names a host that is not allowed');
  const literal = ipLiteral(parsed.hostname);
  if (literal && !policy.addressAllowed(literal))
    throw new InvalidCallbackError(
      'address_not_allowed',
      'the callback URL names an address that is not allowed',
    );
  return parsed;
}

/** Resolves a host name with the policy's resolver, typing its failures. */
export async function resolveChecked(hostname: string, policy: CheckedPolicy): Promise<string[]> {
  try {
    return (await policy.resolve(hostname)).map((entry) => entry.address);
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code;
    if (code === 'ENOTFOUND' || code === 'ENODATA')
      throw new InvalidCallbackError('unresolvable', 'the callback URL names a host that does not resolve', {
        cause,
      });
    throw new UnavailableError('the callback host cannot be resolved now', { cause });
  }
}

async function resolveAll(hostname: string): Promise<ResolvedAddress[]> {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}

/** The address a URL's host names literally (`127.0.0.1`, `[::1]`), or undefined for a host name. */
function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) && (bare.includes(':') || ipaddr.IPv4.isValidFourPartDecimal(bare))
    ? bare
    : undefined;
}

/** Lower case, no trailing dot, IP literals in one spelling: how host names are compared. */
function normaliseHost(host: string): string {
  const bare = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase();
  const literal = ipLiteral(bare);
  if (literal) return ipaddr.parse(literal).toString();
  return bare.endsWith('.') ? bare.slice(0, -1) : bare;
}

function parseRange(entry: string): Cidr {
  try {
    if (entry.includes('/')) return ipaddr.parseCIDR(entry);
    const ip = ipaddr.parse(entry);
    return [ip, ip.kind() === 'ipv4' ? 32 : 128];
  } catch (cause) {
    throw new InvalidRequestError(`callback policy: "${entry}" is not an address or CIDR range`, { cause });
  }
}
