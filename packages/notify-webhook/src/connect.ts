import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { InvalidCallbackError } from '@visionq/core';
import { resolveChecked, type CheckedPolicy } from './policy.js';

/**
 * The `lookup` every webhook connection uses: the name is resolved again, here, and the connection is refused
 * unless every address passes the policy. So a DNS answer that changed since the URL was checked (rebinding)
 * cannot steer a webhook to an internal address. (IP literals never reach a lookup: `checkUrlShape` judges them.)
 */
export function guardedLookup(policy: CheckedPolicy): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    allowedAddresses(hostname, policy, options.family).then(
      (usable) => {
        if (options.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, ''),
    );
  };
}

async function allowedAddresses(
  hostname: string,
  policy: CheckedPolicy,
  family: LookupOptions['family'],
): Promise<LookupAddress[]> {
  const addresses = await resolveChecked(hostname, policy);
  if (addresses.length === 0 || !addresses.every((address) => policy.addressAllowed(address)))
    throw new InvalidCallbackError(
      'address_not_allowed',
      'the callback host resolves to an address that is not allowed',
    );
  const wanted = family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : family;
  const usable = addresses
    .map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
    .filter((entry) => !wanted || entry.family === wanted);
  if (usable.length === 0)
    throw Object.assign(new Error(`the callback host has no IPv${String(wanted)} address`), {
      code: 'ENOTFOUND',
    });
  return usable;
}
