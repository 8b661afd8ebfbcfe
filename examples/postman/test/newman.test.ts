import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '@visionq/service-kit';
import { tokenFor } from '../../../apps/api/test/e2e/http-suite.js';
import {
  ENTRY,
  freePort,
  startProcess,
  waitUntilServing,
  type ServiceProcess,
} from '../../../apps/api/test/e2e/processes.js';

const NEWMAN = repoPath('examples/postman/node_modules/.bin/newman');
const REPORT = repoPath('test-results/newman/visionq.json');

interface NewmanReport {
  run: {
    stats: Record<
      'requests' | 'assertions' | 'testScripts' | 'prerequestScripts',
      { total: number; failed: number }
    >;
    failures: { error: { message: string } }[];
    executions: { item: { name: string }; response?: { code: number } }[];
  };
}

describe('examples/postman: the collection, run with newman against the all-in-one process', () => {
  let service: ServiceProcess;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // A lone task waits 1.5 s for batch-mates, so that polling sees a 202 before the 200, as with a busy worker.
    service = startProcess('all-in-one', ENTRY.allInOne, { PORT: String(port), WORKER_MAX_DELAY_MS: '1500' });
    await waitUntilServing(`${url}/healthz`, service);
    mkdirSync(repoPath('test-results/newman'), { recursive: true });
  }, 60_000);
  afterAll(async () => {
    expect(await service.kill('SIGTERM')).toBe(0);
  });

  it('every request and assertion passes, as `newman run` reports it', async () => {
    const args = [
      'run',
      'examples/postman/visionq.postman_collection.json',
      '--environment',
      'examples/postman/visionq.postman_environment.json',
      '--env-var',
      `baseUrl=${url}`,
      '--env-var',
      `token=${tokenFor('postman-user')}`,
      '--working-dir',
      '.',
      '--reporters',
      'cli,json',
      '--reporter-json-export',
      REPORT,
      '--color',
      'off',
    ];
    const run = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(NEWMAN, args, { cwd: repoPath('.'), timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
      );
    });
    expect(run.code, run.output).toBe(0);

    const { stats, failures, executions } = (JSON.parse(readFileSync(REPORT, 'utf8')) as NewmanReport).run;
    expect(failures.map((failure) => failure.error.message)).toEqual([]);
    expect(stats.testScripts.failed + stats.prerequestScripts.failed).toBe(0);
    expect(stats.assertions.total).toBeGreaterThanOrEqual(40);
    const codes = (name: string) =>
      executions.filter((e) => e.item.name === name).map((e) => e.response?.code);
    // Taken back: 204, then the very same 404 as an unknown task, for GET and for a second DELETE.
    expect(codes('Take the task back (204)')).toEqual([204]);
    expect(codes('The task taken back is gone (404)')).toEqual([404]);
    expect(codes('Taking it back twice (404)')).toEqual([404]);
    // The poll loop really looped: 202 (pending) until 200.
    expect(codes('Poll the result')).toEqual([
      ...codes('Poll the result')
        .slice(0, -1)
        .map(() => 202),
      200,
    ]);
    expect(codes('Poll the result').length).toBeGreaterThan(1);
    for (const [name, status] of [
      ['No token (401)', 401],
      ['Not an image: SVG (415)', 415],
      ['Over the upload limit (413)', 413],
      ['Unreadable image header (422)', 422],
      ['callback_url to the cloud metadata address (422)', 422],
      ['fcm_token and callback_url together (400)', 400],
    ] as const) {
      expect(codes(name)).toEqual([status]);
    }
  }, 90_000);
});
