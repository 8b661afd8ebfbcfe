import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '@visionq/service-kit';
import { SucceededBodySchema } from '../../../apps/api/src/http/schemas.js';
import { tokenFor } from '../../../apps/api/test/e2e/http-suite.js';
import {
  ENTRY,
  freePort,
  startProcess,
  waitUntilServing,
  type ServiceProcess,
} from '../../../apps/api/test/e2e/processes.js';

const SCRIPT = repoPath('examples/curl/classify.sh');

/** Runs the script as its README says, from the repository root; resolves with its exit code and output. */
function classify(image: string, env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'bash',
      [SCRIPT, image],
      { cwd: repoPath('.'), env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('examples/curl/classify.sh against the all-in-one process', () => {
  let service: ServiceProcess;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = startProcess('all-in-one', ENTRY.allInOne, { PORT: String(port) });
    await waitUntilServing(`${url}/healthz`, service);
  }, 60_000);
  afterAll(async () => {
    expect(await service.kill('SIGTERM')).toBe(0);
  });

  it('uploads the stop sign, waits, prints the succeeded result and exits 0', async () => {
    const env = { VISIONQ_URL: url, VISIONQ_TOKEN: tokenFor('curl-user') };
    const run = await classify('models/traffic-signs/samples/stop.jpg', env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^task [0-9a-f-]{36}: HTTP 202$/m);
    const task = SucceededBodySchema.parse(JSON.parse(run.stdout));
    expect(task.result.label).toBe('stop');
  });

  it('a refused token or upload: the API’s message on stderr, exit 1', async () => {
    const refused = await classify('models/traffic-signs/samples/stop.jpg', {
      VISIONQ_URL: url,
      VISIONQ_TOKEN: 'not-a-token',
    });
    expect(refused).toMatchObject({ code: 1, stdout: '', stderr: 'HTTP 401: unauthorized\n' });
    const notAnImage = await classify('examples/curl/package.json', {
      VISIONQ_URL: url,
      VISIONQ_TOKEN: tokenFor('curl-user'),
    });
    expect(notAnImage.code).toBe(1);
    expect(notAnImage.stderr).toBe('HTTP 415: not a JPEG, PNG, WebP, GIF, AVIF or TIFF image\n');
  });

  it('a task that fails in the worker: its message on stderr, exit 1', async () => {
    const stop = readFileSync(repoPath('models/traffic-signs/samples/stop.jpg'));
    const dir = mkdtempSync(join(tmpdir(), 'visionq-curl-'));
    try {
      writeFileSync(join(dir, 'cut.jpg'), stop.subarray(0, Math.floor(stop.length * 0.4)));
      const run = await classify(join(dir, 'cut.jpg'), {
        VISIONQ_URL: url,
        VISIONQ_TOKEN: tokenFor('curl-user'),
      });
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'failed', error: { code: 'invalid_image' } });
      expect(run.stderr).toMatch(/^task failed: .+$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a token it says how to get one', async () => {
    const run = await classify('models/traffic-signs/samples/stop.jpg', { VISIONQ_URL: url });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('pnpm -s run token');
  });
});
