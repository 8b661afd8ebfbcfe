/** Settles like `promise`, or rejects with `onTimeout()` after `ms`. The timer never outlives the race. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a channel or connection, quietly, waiting at most `ms`: on a connection that has just died, a close
 * can wait for a reply that never comes.
 */
export async function closeWithin(closable: { close(): Promise<void> }, ms: number): Promise<void> {
  await withTimeout(closable.close(), ms, () => new Error('close timed out')).catch(() => undefined);
}
