import { pbkdf2 } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { promisify } from 'node:util';

const derive = promisify(pbkdf2);

/** CPU clock ticks each thread of this process has used, by thread id. Empty where there is no /proc. */
function threadTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  let ids: string[];
  try {
    ids = readdirSync('/proc/self/task');
  } catch {
    return ticks;
  }
  for (const id of ids) {
    try {
      const stat = readFileSync(`/proc/self/task/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(id), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return ticks;
}

/**
 * Lowers the scheduling priority of libuv's threadpool, where sharp decodes images, so that under full load the
 * thread serving HTTP (and talking to RabbitMQ and Redis) is scheduled before decoding. libvips' own worker
 * threads are started later by pool threads and inherit their priority. The pool threads have no name, and they
 * may already exist (loading ES modules uses the pool), so they are found by giving the pool a burst of hashing
 * (about 0.5 s of CPU) and renicing the threads that did it. Call it once at start-up, before the first image is
 * decoded. Linux only (elsewhere it does nothing). Resolves with the number of threads it reniced.
 */
export async function lowerThreadPoolPriority(niceness = 10): Promise<number> {
  const before = threadTicks();
  if (before.size === 0) return 0;
  // Many more jobs than pool threads (4 by default), so that each pool thread works for several clock ticks
  // (10 ms each) and a thread that only happened to run a little meanwhile (V8's helpers) does not qualify.
  await Promise.all(Array.from({ length: 64 }, (_, i) => derive(`probe-${i}`, 'salt', 20_000, 32, 'sha256')));
  let changed = 0;
  for (const [id, ticks] of threadTicks()) {
    if (id === process.pid || ticks - (before.get(id) ?? 0) < 2) continue;
    try {
      setPriority(id, niceness);
      changed += 1;
    } catch {
      // The thread ended meanwhile, or the system refuses: priority is an optimisation, never a requirement.
    }
  }
  return changed;
}
