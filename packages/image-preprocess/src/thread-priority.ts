import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';

function threadIds(): Set<number> {
  try {
    return new Set(readdirSync('/proc/self/task').map(Number));
  } catch {
    return new Set();
  }
}

/**
 * Lowers the scheduling priority of libuv's threadpool, where sharp decodes images, so that under full load the
 * thread serving HTTP (and talking to RabbitMQ and Redis) is scheduled before decoding. libuv starts all pool
 * threads at its first job; this starts them and renices exactly the threads that appeared. Call it once, first
 * thing at start-up, before anything else uses the pool. Linux only (elsewhere it does nothing). Resolves with
 * the number of threads it reniced.
 */
export async function lowerThreadPoolPriority(niceness = 10): Promise<number> {
  const before = threadIds();
  if (before.size === 0) return 0;
  await stat('/');
  let changed = 0;
  for (const id of threadIds()) {
    if (before.has(id)) continue;
    try {
      setPriority(id, niceness);
      changed += 1;
    } catch {
      // The thread ended meanwhile, or the system refuses: priority is an optimisation, never a requirement.
    }
  }
  return changed;
}
