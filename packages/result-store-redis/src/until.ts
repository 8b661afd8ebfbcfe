/**
 * Resolves with `promise`'s value, or with `undefined` once `timeoutMs` passes or any of `signals` aborts,
 * whichever comes first. Leaves no timer or listener behind, which matters with thousands of waiters.
 */
export function untilFirst<T>(
  promise: Promise<T>,
  timeoutMs: number,
  signals: readonly (AbortSignal | undefined)[],
): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const live = signals.filter((signal): signal is AbortSignal => signal !== undefined);
    const finish = () => {
      clearTimeout(timer);
      for (const signal of live) signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      finish();
      resolve(undefined);
    };
    // setTimeout fires at once for delays past 2^31 - 1 ms; nobody waits 24 days, so clamp.
    const timer = setTimeout(onAbort, Math.min(timeoutMs, 2 ** 31 - 1));
    for (const signal of live) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
    promise.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}
