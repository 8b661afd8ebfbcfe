import { it } from 'vitest';
import { notifierContract } from '@visionq/core/testing';
import { Receiver } from './support/receiver.js';
import { newSecret, quickRetry, testNotifier } from './support/setup.js';

// The Notifier contract against a real https receiver on loopback that verifies every signature.
notifierContract(it, async () => {
  const secret = newSecret();
  const receiver = await Receiver.start(secret);
  const notifier = testNotifier(secret);
  return {
    notifier,
    target: { channel: 'webhook', url: receiver.url() },
    foreignTarget: { channel: 'fcm', token: 'a-device-registration-token' },
    retryTimeMs: quickRetry.maxRetryTimeMs,
    answerNext: (steps) => receiver.answerNext(steps),
    received: async () => receiver.received(),
    cleanup: async () => {
      await notifier.close();
      await receiver.close();
    },
  };
});
