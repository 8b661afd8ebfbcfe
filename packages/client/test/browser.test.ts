import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SucceededBodySchema } from '../../../apps/api/src/http/schemas.js';
import { launchChromium, type HeadlessChromium } from '@visionq/test-support/chromium';
import { SVG, sample, startApi, tokenFor, type LiveApi } from './support/service.js';

/** The client bundled for browsers, as a web app's bundler would: any Node-only import fails the build. */
async function browserBundle(): Promise<string> {
  const result = await build({
    entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    conditions: ['@visionq/source'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('@visionq/client in headless Chromium, against the real API', () => {
  let api: LiveApi;
  let chromium: HeadlessChromium;
  beforeAll(async () => {
    [api, chromium] = await Promise.all([startApi(), launchChromium()]);
  }, 90_000);
  afterAll(async () => {
    await chromium?.close();
    expect(await api?.stop()).toBe(0);
  });

  it('bundles for the browser platform without any node: import, and leaves zod out', async () => {
    const bundle = await browserBundle();
    expect(bundle).toContain('createVisionqClient');
    expect(bundle).not.toMatch(/from\s*["']node:/);
    expect(bundle).not.toMatch(/zod/i);
  });

  it('classifies a stop sign and reports a refused upload as a typed error, in the page', async () => {
    const page = await chromium.context.newPage();
    // A page of the API's own origin (no CORS involved), served by the test: the bundle, two images, a shell.
    const files: Record<string, { type: string; body: string | Buffer }> = {
      '/client-test/': {
        type: 'text/html',
        body: `<!doctype html><script type="module">
          import * as visionq from './client.js'; window.visionq = visionq;</script>`,
      },
      '/client-test/client.js': { type: 'text/javascript', body: await browserBundle() },
      '/client-test/stop.jpg': { type: 'image/jpeg', body: sample('stop.jpg') },
      '/client-test/a.svg': { type: 'image/svg+xml', body: SVG },
    };
    await page.route(`${api.url}/client-test/**`, (route) => {
      const file = files[new URL(route.request().url()).pathname];
      return file ? route.fulfill({ contentType: file.type, body: file.body }) : route.abort();
    });
    await page.goto(`${api.url}/client-test/`);
    await page.waitForFunction(() => 'visionq' in globalThis);
    const outcome = await page.evaluate(async (token) => {
      // Runs in the page; typed through globalThis because this project's types are Node's, not the DOM's.
      const view = globalThis as unknown as {
        visionq: typeof import('../src/index.js');
        location: { origin: string };
      };
      const { createVisionqClient } = view.visionq;
      const client = createVisionqClient({ baseUrl: view.location.origin, token: async () => token });
      const image = async (path: string) => (await fetch(path)).blob();
      const task = await client.classify(new File([await image('/client-test/stop.jpg')], 'stop.jpg'));
      const refused = await client.submit(await image('/client-test/a.svg')).catch((error: unknown) => error);
      const { name, code, status } = refused as { name: string; code: string; status: number };
      return { task, refused: { name, code, status } };
    }, tokenFor('browser-user'));
    const task = SucceededBodySchema.parse(outcome.task);
    expect(task.result.top_k.length).toBeGreaterThan(0);
    expect(outcome.refused).toEqual({ name: 'VisionqApiError', code: 'unsupported_type', status: 415 });
    await page.close();
  });
});
