import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '@visionq/service-kit';
import { tokenFor } from '../../api/test/e2e/http-suite.js';
import {
  ENTRY,
  freePort,
  startProcess,
  waitUntilServing,
  type ServiceProcess,
} from '../../api/test/e2e/processes.js';

const PHONE_PHOTO = readFileSync(repoPath('models/traffic-signs/samples/phone/stop.jpg'));

/**
 * GET /healthz every 10 ms for `seconds`, from a process of its own that does nothing else, as a load balancer's
 * or kubelet's probe would: what it measures is the service, not a busy client's own event loop.
 */
async function probeHealthz(url: string, seconds: number): Promise<number[]> {
  const script = `
    const probe = async () => {
      const started = performance.now();
      const res = await fetch(process.argv[1] + '/healthz');
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error('healthz answered ' + res.status);
      return performance.now() - started;
    };
    // A probe process lives long: its first requests (connecting, loading fetch, compiling) are not the service's.
    for (let i = 0; i < 20; i += 1) await probe();
    const latencies = [];
    const until = Date.now() + ${seconds * 1000};
    while (Date.now() < until) {
      latencies.push(await probe());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    console.log(JSON.stringify(latencies));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, url]);
  return JSON.parse(stdout) as number[];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

// Inference runs in worker threads and decoding on reniced threads, so the thread that serves HTTP stays free
// while the worker classifies flat out in the same process. Measured two ways: healthz round trips from a probe
// process of its own (the 16 uploading users run in this one, on the same 2 cores), and the service's own
// event-loop delay from its metrics.
describe('all-in-one under full inference load', () => {
  let service: ServiceProcess;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = startProcess('all-in-one', ENTRY.allInOne, { PORT: String(port), RATE_LIMIT_PER_MIN: '0' });
    // Loading the model into its worker threads can take a while on a busy machine.
    await waitUntilServing(`${url}/healthz`, service, 90_000);
  }, 120_000);
  afterAll(async () => {
    await service.kill('SIGTERM');
  });

  it('GET /healthz keeps answering fast while the worker classifies phone photos flat out', async () => {
    const headers = { Authorization: `Bearer ${tokenFor('load')}`, 'Content-Type': 'image/jpeg' };
    let loading = true;
    let classified = 0;
    // node:http rather than fetch: Node 20's fetch spends ~5 ms of CPU per photo sent, on the cores the service
    // needs (docs/benchmarks.md).
    const agent = new Agent({ keepAlive: true });
    const upload = () =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${url}/predict?wait=30`,
          { method: 'POST', agent, headers: { ...headers, 'Content-Length': PHONE_PHOTO.length } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(PHONE_PHOTO);
      });
    const user = async () => {
      while (loading) if ((await upload()) === 200) classified += 1;
    };
    const users = Array.from({ length: 16 }, user);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const latencies = await probeHealthz(url, 5);
    loading = false;
    await Promise.all(users);
    agent.destroy();
    const p99 = percentile(latencies, 99);
    // The service's own event-loop delay (prom-client samples it every 10 ms, so 10 ms is "no delay").
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const loopP99 = Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(metrics)?.[1]) * 1000 - 10;
    console.info(
      `healthz under load: ${latencies.length} probes, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, slowest ${[
        ...latencies,
      ]
        .sort((a, b) => b - a)
        .slice(0, 4)
        .map((ms) => ms.toFixed(1))
        .join(
          ' / ',
        )} ms (from a probe process; all on the same 2 cores); service event-loop delay p99 ${loopP99.toFixed(1)} ms; ${classified} photos classified meanwhile`,
    );
    expect(classified).toBeGreaterThan(10);
    // A batch run on the event loop stalls it for 100+ ms (measured: 160 ms at batch 16); off it, the loop only
    // waits for its share of 2 busy cores.
    expect(loopP99).toBeLessThan(60);
    expect(percentile(latencies, 50)).toBeLessThan(60);
  }, 60_000);
});
