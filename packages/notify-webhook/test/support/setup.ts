import { randomBytes } from 'node:crypto';
import { WebhookNotifier, type CallbackPolicy, type WebhookNotifierOptions } from '../../src/index.js';
import { HOSTNAME, testCertificate } from './receiver.js';

export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The receiver's name resolves to loopback, which the policy lets through by name, as a deployment would. */
export const receiverPolicy: CallbackPolicy = {
  allowedHosts: [HOSTNAME],
  allowedAddresses: ['127.0.0.1'],
  resolve: async () => [{ address: '127.0.0.1', family: 4 }],
};

/** Short retries, so that a test giving up takes seconds. */
export const quickRetry = { maxRetryTimeMs: 8_000, initialDelayMs: 50, maxDelayMs: 500 };

export function testNotifier(secret: string, options: Partial<WebhookNotifierOptions> = {}): WebhookNotifier {
  return new WebhookNotifier({
    secret,
    policy: receiverPolicy,
    ca: testCertificate().certificatePem,
    retry: quickRetry,
    attemptTimeoutMs: 2_000,
    ...options,
  });
}
