export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Starts `start` now (synchronously) and never rejects, so that two calls can be begun in the same tick. */
export function settle<T>(start: () => Promise<T>): Promise<Settled<T>> {
  try {
    return start().then(
      (value) => ({ ok: true, value }),
      (error: unknown) => ({ ok: false, error }),
    );
  } catch (error) {
    return Promise.resolve({ ok: false, error });
  }
}
