import { UnavailableError } from '@visionq/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirebaseTokenVerifier } from '../src/index.js';
import { GoogleStandIn } from './support/google-stand-in.js';
import { PROJECT_ID, startProduction, type Production } from './support/production.js';

// Google's public certificates are fetched once and kept for the max-age their response names.

let env: Production;
beforeAll(async () => {
  env = await startProduction();
});
afterAll(() => env.stop());

describe('certificate cache', () => {
  it('1,000 verifications make exactly one certificate fetch', async () => {
    const verifier = env.verifier();
    try {
      const before = env.standIn.requests.certs;
      const tokens = Array.from({ length: 1000 }, (_, i) => env.token(`user-${i}`));
      // All at once, as a burst of requests at start-up would arrive: none finds the cache filled yet.
      const verified = await Promise.all(tokens.map((token) => verifier.verify(token)));
      expect(verified.map((v) => v.uid)).toEqual(tokens.map((_, i) => `user-${i}`));
      expect(env.standIn.requests.certs - before).toBe(1);
    } finally {
      await verifier.close();
    }
  }, 60_000);

  it('fetches again once the max-age has passed, and picks up a rotated key', async () => {
    env.standIn.maxAgeSeconds = 2;
    const verifier = env.verifier();
    try {
      const before = env.standIn.requests.certs;
      await verifier.verify(env.token('alice'));
      await verifier.verify(env.token('alice'));
      expect(env.standIn.requests.certs - before).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      await verifier.verify(env.token('alice'));
      expect(env.standIn.requests.certs - before).toBe(2);
    } finally {
      env.standIn.maxAgeSeconds = 21_600;
      await verifier.close();
    }
  });
});

describe('certificates that cannot be fetched', () => {
  it('an error response makes verification unavailable, not unauthorized, until the server is back', async () => {
    env.standIn.certsStatus = 500;
    const verifier = env.verifier();
    try {
      const errors = await Promise.all(
        [1, 2, 3].map(() => verifier.verify(env.token('alice')).catch((e: unknown) => e)),
      );
      for (const error of errors) {
        expect(error).toBeInstanceOf(UnavailableError);
        expect((error as UnavailableError).transient).toBe(true);
      }
      env.standIn.certsStatus = 200;
      expect((await verifier.verify(env.token('alice'))).uid).toBe('alice');
    } finally {
      env.standIn.certsStatus = 200;
      await verifier.close();
    }
  });

  it('a server that is gone makes verification unavailable', async () => {
    const gone = await GoogleStandIn.start();
    const agent = gone.agent;
    await gone.close();
    const verifier = createFirebaseTokenVerifier({ projectId: PROJECT_ID, httpAgent: agent });
    try {
      await expect(verifier.verify(env.token('alice'))).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await verifier.close();
    }
  });
});
