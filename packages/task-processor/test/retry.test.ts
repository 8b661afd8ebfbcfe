import { InvalidImageError, UnavailableError } from '@visionq/core';
import { describe, expect, it } from 'vitest';
import { retryTransient } from '../src/retry.js';

const policy = { maxRetryTimeMs: 2_000, initialDelayMs: 10, maxDelayMs: 20 };

describe('retryTransient', () => {
  it('runs a write that succeeds once', async () => {
    let calls = 0;
    await expect(retryTransient(async () => ++calls, policy)).resolves.toBe(1);
    expect(calls).toBe(1);
  });

  it('throws a permanent error at once, as it is', async () => {
    const permanent = new InvalidImageError('not an image');
    let calls = 0;
    await expect(
      retryTransient(async () => {
        calls += 1;
        throw permanent;
      }, policy),
    ).rejects.toBe(permanent);
    expect(calls).toBe(1);
  });

  it('retries transient failures until the write succeeds', async () => {
    let calls = 0;
    const result = await retryTransient(async () => {
      calls += 1;
      if (calls < 3) throw new UnavailableError('store down');
      return 'stored';
    }, policy);
    expect(result).toBe('stored');
    expect(calls).toBe(3);
  });

  it('gives up with the last transient error once the retry time is over', async () => {
    const failure = new UnavailableError('store down');
    await expect(
      retryTransient(
        async () => {
          throw failure;
        },
        { maxRetryTimeMs: 50, initialDelayMs: 5, maxDelayMs: 10 },
      ),
    ).rejects.toBe(failure);
  });
});
