import type { LookupOptions } from 'node:dns';
import { expect, it } from 'vitest';
import { guardedLookup } from '../src/connect.js';
import { CheckedPolicy } from '../src/policy.js';

const policy = new CheckedPolicy({
  allowedHosts: ['*.example.org'],
  resolve: async (hostname) =>
    hostname === 'dual.example.org'
      ? [
          { address: '93.184.215.14', family: 4 },
          { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
        ]
      : [
          { address: '93.184.215.14', family: 4 },
          { address: '::ffff:10.0.0.1', family: 6 },
        ],
});

function lookup(hostname: string, options: LookupOptions) {
  return new Promise<{ error: unknown; address: unknown; family: unknown }>((resolve) =>
    guardedLookup(policy)(hostname, options, (error, address, family) => resolve({ error, address, family })),
  );
}

it('hands a connection every allowed address, or one of the family it asks for', async () => {
  expect((await lookup('dual.example.org', { all: true })).address).toEqual([
    { address: '93.184.215.14', family: 4 },
    { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
  ]);
  expect(await lookup('dual.example.org', { family: 6 })).toMatchObject({
    error: null,
    address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
    family: 6,
  });
  expect(await lookup('dual.example.org', { family: 'IPv4' })).toMatchObject({ address: '93.184.215.14' });
});

it('refuses the connection when any address is internal, even one of another family', async () => {
  for (const options of [{ all: true }, { family: 4 }, {}] as LookupOptions[])
    expect((await lookup('mixed.example.org', options)).error).toMatchObject({
      code: 'invalid_callback',
      reason: 'address_not_allowed',
    });
});
