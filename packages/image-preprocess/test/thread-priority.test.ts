import { pbkdf2Sync, pbkdf2 } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createPreprocessor } from '../src/index.js';
import { lowerThreadPoolPriority } from '../src/thread-priority.js';
import { photoJpeg } from './images.js';

interface ThreadInfo {
  name: string;
  ticks: number;
  nice: number;
}

function threads(): Map<number, ThreadInfo> {
  const all = new Map<number, ThreadInfo>();
  for (const id of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      all.set(Number(id), {
        name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        ticks: Number(fields[11]) + Number(fields[12]),
        nice: Number(fields[16]),
      });
    } catch {
      // ended meanwhile
    }
  }
  return all;
}

const derive = promisify(pbkdf2);

describe.skipIf(process.platform !== 'linux')('lowerThreadPoolPriority (Linux)', () => {
  it('renices the threads that run pool work and the libvips threads they start, never the caller’s', async () => {
    const own = getPriority();
    const lowered = Math.min(19, own + 9);
    expect(await lowerThreadPoolPriority(lowered)).toBeGreaterThanOrEqual(1);
    expect(getPriority()).toBe(own);

    // Whatever thread now does pool work is a reniced one.
    const before = threads();
    await Promise.all(Array.from({ length: 32 }, (_, i) => derive(`x${i}`, 's', 20_000, 32, 'sha256')));
    const busy = [...threads()].filter(
      ([id, info]) => id !== process.pid && info.ticks - (before.get(id)?.ticks ?? 0) >= 2,
    );
    expect(busy.length).toBeGreaterThanOrEqual(1);
    for (const [, info] of busy) expect(info.nice).toBe(lowered);

    // Decoding: libvips' workers are started from pool threads and inherit their priority.
    const preprocessor = createPreprocessor({ width: 64, height: 64 }, { concurrency: 2 });
    await preprocessor.toBatch([await photoJpeg(1600, 1200), await photoJpeg(1600, 1200)]);
    const vips = [...threads().values()].filter((info) => info.name.startsWith('libvips'));
    expect(vips.length).toBeGreaterThanOrEqual(1);
    for (const info of vips) expect(info.nice).toBe(lowered);
    // The caller's own thread, which must keep serving, was never touched.
    pbkdf2Sync('main', 's', 1000, 32, 'sha256');
    expect(threads().get(process.pid)?.nice).toBe(own);
  });
});
