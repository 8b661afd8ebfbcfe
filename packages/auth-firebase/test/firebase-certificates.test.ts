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
      // The first verification fills the cache; the rest run 100 at a time.
      expect((await verifier.verify(tokens[0] as string)).uid).toBe('user-0');
      for (let i = 1; i < tokens.length; i += 100) {
        const batch = tokens.slice(i, i + 100);
        const verified = await Promise.all(batch.map((token) => verifier.verify(token)));
        expect(verified.map((v) => v.uid)).toEqual(batch.map((_, j) => `user-${i + j}`));
      }
      expect(env.standIn.requests.certs - before).toBe(1);
    } finally {
      await verifier.close();
    }
  }, 60_000);

  it('fetches again once the max-age has passed, and picks up a rotated key', async () => {
    env.standIn.maxAgeSeconds = 1;
    const verifier = env.verifier();
    try {
      const before = env.standIn.requests.certs;
      await verifier.verify(env.token('alice'));
      await verifier.verify(env.token('alice'));
      expect(env.standIn.requests.certs - before).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await verifier.verify(env.token('alice'));
      expect(env.standIn.requests.certs - before).toBe(2);
    } finally {
      env.standIn.maxAgeSeconds = 21_600;
      await verifier.close();
    }
  });
});

describe('certificates that cannot be fetched', () => {
  it('an error response makes verification unavailable, not unauthorized', async () => {
    env.standIn.certsStatus = 500;
    const verifier = env.verifier();
    try {
      const error = await verifier.verify(env.token('alice')).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as UnavailableError).transient).toBe(true);
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
