import { afterEach, describe, expect, it } from 'vitest';
import type { Notification, TerminalRecord } from '@visionq/core';
import { checkCallbackUrl, type CallbackPolicy, type Resolver } from '../src/index.js';
import { HOSTNAME, Receiver } from './support/receiver.js';
import { newSecret, receiverPolicy, testNotifier } from './support/setup.js';

const at = new Date().toISOString();
const record: TerminalRecord = {
  task_id: '0b8e7d6c-5a4b-4c3d-9e2f-1a0b9c8d7e6f',
  owner: 'mallory',
  status: 'failed',
  error: { code: 'invalid_image', message: 'the image cannot be decoded' },
  created_at: at,
  updated_at: at,
  completed_at: at,
};
const notification = (url: string): Notification => ({
  id: 'rebinding',
  target: { channel: 'webhook', url },
  record,
});

/** Answers a public address the first time (when the API checks the URL), loopback every time after. */
function rebindingResolver(): Resolver & { calls: number } {
  const resolver = async () => {
    resolver.calls += 1;
    return [{ address: resolver.calls === 1 ? '93.184.215.14' : '127.0.0.1', family: 4 as const }];
  };
  resolver.calls = 0;
  return resolver;
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((resource) => resource.close()));
});

async function listener() {
  const receiver = await Receiver.start(newSecret(), { tls: false });
  open.push(receiver);
  return receiver;
}

describe('the callback policy at connect time', () => {
  it('a DNS answer that turned internal after the check never gets a connection', async () => {
    const receiver = await listener();
    const resolve = rebindingResolver();
    const policy: CallbackPolicy = { allowedHosts: [HOSTNAME], allowHttp: true, resolve };
    const url = receiver.url();
    await checkCallbackUrl(url, policy); // accepted at submit time: the name was public then

    const notifier = testNotifier(newSecret(), { policy });
    open.push(notifier);
    const status = await notifier.notify(notification(url));
    expect(resolve.calls).toBeGreaterThanOrEqual(2); // resolved again, at connect time
    expect(status).toMatchObject({ attempts: 1 });
    expect(status.failed_at).toBeDefined();
    expect(receiver.connections).toBe(0);
    expect(receiver.deliveries).toHaveLength(0);
  });

  it('the same listener is reached when the policy names its address (so the refusal above is the check)', async () => {
    const receiver = await listener();
    const resolve = rebindingResolver();
    const policy: CallbackPolicy = {
      allowedHosts: [HOSTNAME],
      allowHttp: true,
      allowedAddresses: ['127.0.0.1'],
      resolve,
    };
    const notifier = testNotifier(newSecret(), { policy });
    open.push(notifier);
    expect((await notifier.notify(notification(receiver.url()))).delivered_at).toBeDefined();
    expect(receiver.connections).toBeGreaterThanOrEqual(1);
  });

  it('an address literal or a host the policy no longer allows is refused before any connection', async () => {
    const receiver = await listener();
    const notifier = testNotifier(newSecret(), {
      policy: {
        ...receiverPolicy,
        allowedHosts: [HOSTNAME, '127.0.0.1'],
        allowedAddresses: [],
        allowHttp: true,
      },
    });
    open.push(notifier);
    for (const url of [
      receiver.url('/hook', '127.0.0.1'),
      receiver.url('/hook', '[::ffff:127.0.0.1]'),
      receiver.url('/hook', 'elsewhere.visionq.test'),
      receiver.url('/hook'), // resolves to loopback, which this policy does not name
    ]) {
      const status = await notifier.notify(notification(url));
      expect(status.failed_at, url).toBeDefined();
    }
    expect(receiver.connections).toBe(0);
  });

  it('a name that does not resolve at connect time is tried again, not given up', async () => {
    const receiver = await listener();
    let calls = 0;
    const resolve: Resolver = async () => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('no such host'), { code: 'ENOTFOUND' });
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const policy: CallbackPolicy = { ...receiverPolicy, allowHttp: true, resolve };
    const notifier = testNotifier(newSecret(), { policy });
    open.push(notifier);
    const status = await notifier.notify(notification(receiver.url()));
    expect(status).toMatchObject({ attempts: 2 });
    expect(status.delivered_at).toBeDefined();
  });

  it('an http URL is refused at delivery too when the policy wants https', async () => {
    const receiver = await listener();
    const notifier = testNotifier(newSecret());
    open.push(notifier);
    expect((await notifier.notify(notification(receiver.url()))).failed_at).toBeDefined();
    expect(receiver.connections).toBe(0);
  });
});
