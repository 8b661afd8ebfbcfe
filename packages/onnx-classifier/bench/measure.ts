import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface Rate {
  imagesPerSecond: number;
  /** The calling thread's event-loop delay while it ran, 99th percentile and worst, in ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Share of the time the calling thread's event loop was busy (running JavaScript or native callbacks). */
  loopUtilisation: number;
}

/**
 * Calls `step` (which processes `perStep` images) back to back until `seconds` have passed and at least three
 * calls were made, after one warm-up call, and reports images per second and what the event loop suffered meanwhile.
 */
export async function rate(perStep: number, seconds: number, step: () => Promise<unknown>): Promise<Rate> {
  await step();
  const histogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  const elu = performance.eventLoopUtilization();
  const started = performance.now();
  let images = 0;
  let steps = 0;
  while (performance.now() - started < seconds * 1000 || steps < 3) {
    await step();
    images += perStep;
    steps++;
  }
  const elapsed = (performance.now() - started) / 1000;
  // The histogram records a stall when the loop next turns: give it that turn.
  await new Promise((resolve) => setTimeout(resolve, 10));
  histogram.disable();
  const loopUtilisation = performance.eventLoopUtilization(elu).utilization;
  return {
    loopUtilisation,
    imagesPerSecond: images / elapsed,
    loopP99Ms: histogram.percentile(99) / 1e6,
    loopMaxMs: histogram.max / 1e6,
  };
}

export const fmt = (value: number, digits = 1) => value.toFixed(digits);

/** Each field's median across samples (the rounds of one measurement). */
export function median(samples: Rate[]): Rate {
  const mid = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const half = Math.floor(sorted.length / 2);
    return sorted.length % 2
      ? (sorted[half] as number)
      : ((sorted[half - 1] as number) + (sorted[half] as number)) / 2;
  };
  return {
    imagesPerSecond: mid(samples.map((s) => s.imagesPerSecond)),
    loopP99Ms: mid(samples.map((s) => s.loopP99Ms)),
    loopMaxMs: mid(samples.map((s) => s.loopMaxMs)),
    loopUtilisation: mid(samples.map((s) => s.loopUtilisation)),
  };
}
