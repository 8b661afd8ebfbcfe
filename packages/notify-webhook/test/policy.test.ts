import { describe, expect, it } from 'vitest';
import { InvalidCallbackError, UnavailableError } from '@visionq/core';
import { checkCallbackUrl, type CallbackPolicy, type Resolver } from '../src/index.js';

/** A resolver with fixed answers, so that no test depends on the machine's DNS (but `localhost`, below). */
const answers =
  (table: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const found = table[hostname.replace(/\.$/, '')];
    if (!found) throw Object.assign(new Error(`no ${hostname}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

// Every literal below is on the allow-list, so that what refuses it is the address check, not the host list.
const policy: CallbackPolicy = {
  allowedHosts: [
    'hooks.example.org',
    '*.example.net',
    'localhost',
    '127.0.0.1',
    '[::1]',
    '169.254.169.254',
    '10.1.2.3',
    '[::ffff:127.0.0.1]',
    '93.184.215.14',
    '127.0.0.1',
    '0.0.0.0',
    '[::]',
    '[fe80::1]',
    '[fd00::1]',
    '[::ffff:a9fe:a9fe]',
    '[64:ff9b::a9fe:a9fe]',
    '100.64.0.1',
    '172.16.0.1',
    '192.168.0.1',
    '224.0.0.1',
    'internal.example.org',
    'mixed.example.org',
    'gone.example.org',
    'flaky.example.org',
  ],
  resolve: async (hostname) => {
    if (hostname === 'flaky.example.org') throw Object.assign(new Error('timeout'), { code: 'EAI_AGAIN' });
    return answers({
      'hooks.example.org': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
      'a.b.example.net': ['93.184.215.14'],
      'internal.example.org': ['10.0.0.7'],
      'mixed.example.org': ['93.184.215.14', '192.168.1.1'],
    })(hostname);
  },
};

const refused = async (url: string, reason: string, withPolicy: CallbackPolicy = policy) => {
  const error = await checkCallbackUrl(url, withPolicy).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, url).toBeInstanceOf(InvalidCallbackError);
  expect(error, url).toMatchObject({ code: 'invalid_callback', reason });
};

describe('checkCallbackUrl', () => {
  it('accepts an https URL on the list whose every address is public, exact or by wildcard', async () => {
    const url = await checkCallbackUrl('https://hooks.example.org/visionq?x=1', policy);
    expect(url.href).toBe('https://hooks.example.org/visionq?x=1');
    await checkCallbackUrl('https://a.b.example.net:8443/hook', policy);
    await checkCallbackUrl('https://HOOKS.example.org./hook', policy);
    await checkCallbackUrl('https://93.184.215.14/hook', policy);
  });

  it.each([
    'https://127.0.0.1/hook',
    'https://[::1]/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://10.1.2.3/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[::ffff:7f00:1]/hook',
    'https://2130706433/hook',
    'https://0177.0.0.1/hook',
    'https://0x7f.1/hook',
    'https://127.1/hook',
    'https://127.0.0.1./hook',
    'https://0/hook',
    'https://[::]/hook',
    'https://[fe80::1]/hook',
    'https://[fd00::1]/hook',
    'https://[::ffff:a9fe:a9fe]/hook',
    'https://[64:ff9b::a9fe:a9fe]/hook',
    'https://100.64.0.1/hook',
    'https://172.16.0.1/hook',
    'https://192.168.0.1/hook',
    'https://224.0.0.1/hook',
  ])('refuses %s: loopback, link-local, private, and every spelling of them', async (url) => {
    await refused(url, 'address_not_allowed');
  });

  it('refuses the same addresses over http when http is allowed', async () => {
    for (const url of [
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://[::1]/',
      'http://169.254.169.254/',
    ])
      await refused(url, 'address_not_allowed', { ...policy, allowHttp: true });
  });

  it('refuses a host name that resolves to loopback on this machine (localhost, through the real DNS path)', async () => {
    const { resolve: _injected, ...realDns } = policy;
    await refused('https://localhost/hook', 'address_not_allowed', realDns);
  });

  it('refuses a host name when any of its addresses is internal', async () => {
    await refused('https://internal.example.org/hook', 'address_not_allowed');
    await refused('https://mixed.example.org/hook', 'address_not_allowed');
  });

  it('refuses http when https is required, and accepts it when allowed', async () => {
    await refused('http://hooks.example.org/hook', 'scheme');
    await checkCallbackUrl('http://hooks.example.org/hook', { ...policy, allowHttp: true });
    await refused('ftp://hooks.example.org/hook', 'scheme', { ...policy, allowHttp: true });
    await refused('file:///etc/passwd', 'scheme');
  });

  it('refuses a host not on the list, and the apex of a wildcard', async () => {
    await refused('https://evil.example.com/hook', 'host_not_allowed');
    await refused('https://example.net/hook', 'host_not_allowed');
    await refused('https://hooks.example.org.evil.com/hook', 'host_not_allowed');
  });

  it('refuses a user name or password in the URL', async () => {
    await refused('https://user:secret@hooks.example.org/hook', 'userinfo');
    await refused('https://127.0.0.1@hooks.example.org/hook', 'userinfo');
  });

  it('refuses every URL when the allow-list is empty: webhooks are off', async () => {
    await refused('https://hooks.example.org/hook', 'webhooks_off', { ...policy, allowedHosts: [] });
  });

  it('refuses what is not a URL and a host that does not resolve; DNS down is unavailable, not refused', async () => {
    await refused('not a url', 'malformed');
    await refused('https://gone.example.org/hook', 'unresolvable');
    await expect(checkCallbackUrl('https://flaky.example.org/hook', policy)).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });

  it('lets named addresses and ranges through, and private ranges when allowed, never loopback with them', async () => {
    await checkCallbackUrl('https://127.0.0.1/hook', { ...policy, allowedAddresses: ['127.0.0.1'] });
    await checkCallbackUrl('https://internal.example.org/hook', {
      ...policy,
      allowedAddresses: ['10.0.0.0/8'],
    });
    await checkCallbackUrl('https://internal.example.org/hook', { ...policy, allowPrivateAddresses: true });
    await refused('https://127.0.0.1/hook', 'address_not_allowed', {
      ...policy,
      allowPrivateAddresses: true,
    });
    await refused('https://169.254.169.254/', 'address_not_allowed', {
      ...policy,
      allowPrivateAddresses: true,
    });
  });

  it('refuses a policy it cannot read, naming the bad entry', async () => {
    await expect(
      checkCallbackUrl('https://hooks.example.org/', { ...policy, allowedHosts: ['*'] }),
    ).rejects.toThrow(/"\*"/);
    await expect(
      checkCallbackUrl('https://hooks.example.org/', { ...policy, allowedAddresses: ['10.0.0.0/99'] }),
    ).rejects.toThrow(/10\.0\.0\.0\/99/);
  });
});
