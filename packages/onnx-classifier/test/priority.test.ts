import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createOnnxClassifier } from '../src/index.js';
import { fixture } from './models.js';

/** Nice value of every thread of this process, from /proc (field 19 of each task's stat). */
function threadNiceness(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // The command name may hold spaces; fields after it are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[16]);
  });
}

describe.skipIf(process.platform !== 'linux')('inference threads run at lower priority (Linux)', () => {
  it('the worker and its onnxruntime threads are 7 nicer; the caller’s thread keeps its priority', async () => {
    const own = getPriority();
    const lowered = Math.min(19, own + 7);
    const before = threadNiceness().filter((n) => n === lowered).length;
    const classifier = await createOnnxClassifier({
      modelPath: fixture('colours-nchw'),
      workers: 1,
      intraOpNumThreads: 2,
      niceness: 7,
    });
    try {
      const after = threadNiceness().filter((n) => n === lowered).length;
      // The worker thread itself, plus the intra-op thread onnxruntime starts beside the caller of run.
      expect(after - before).toBeGreaterThanOrEqual(2);
      expect(getPriority()).toBe(own);
    } finally {
      await classifier.close();
    }
  });

  it('refuses a niceness outside 0..19', async () => {
    await expect(createOnnxClassifier({ modelPath: fixture('colours-nchw'), niceness: 20 })).rejects.toThrow(
      RangeError,
    );
  });
});
