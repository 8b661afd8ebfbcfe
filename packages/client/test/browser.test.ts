import { existsSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SucceededBodySchema } from '../../../apps/api/src/http/schemas.js';
import { launchChromium, type HeadlessChromium, type Page } from '@visionq/test-support/chromium';
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

// 4224×3168, 1.5 MB: a photograph from Debian's lomiri-wallpapers-16.04 (CI installs it; skipped without it).
const TWELVE_MP = '/usr/share/backgrounds/Dragonfly_by_Bolly.jpg';

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

  /**
   * A page of the API's own origin (no CORS involved), served by the test: the client bundle, a shell, and
   * `images` at /client-test/<name>.
   */
  async function clientPage(images: Record<string, { type: string; body: Buffer }>): Promise<Page> {
    const page = await chromium.context.newPage();
    const files: Record<string, { type: string; body: string | Buffer }> = {
      '/client-test/': {
        type: 'text/html',
        body: `<!doctype html><script type="module">
          import * as visionq from './client.js'; window.visionq = visionq;</script>`,
      },
      '/client-test/client.js': { type: 'text/javascript', body: await browserBundle() },
      ...Object.fromEntries(Object.entries(images).map(([name, file]) => [`/client-test/${name}`, file])),
    };
    await page.route(`${api.url}/client-test/**`, (route) => {
      const file = files[new URL(route.request().url()).pathname];
      return file ? route.fulfill({ contentType: file.type, body: file.body }) : route.abort();
    });
    await page.goto(`${api.url}/client-test/`);
    await page.waitForFunction(() => 'visionq' in globalThis);
    return page;
  }

  it('classifies a stop sign and reports a refused upload as a typed error, in the page', async () => {
    const page = await clientPage({
      'stop.jpg': { type: 'image/jpeg', body: sample('stop.jpg') },
      'a.svg': { type: 'image/svg+xml', body: SVG },
    });
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

  it.skipIf(!existsSync(TWELVE_MP))(
    'shrinks a 12 MP photo in the browser (EXIF orientation applied), and sends the original when told not to',
    async () => {
      const photo = readFileSync(TWELVE_MP);
      // Stored 1800×1200 with EXIF orientation 6: upright, 1200×1800.
      const turned = await sharp({ create: { width: 1800, height: 1200, channels: 3, background: '#4a7' } })
        .withMetadata({ orientation: 6 })
        .jpeg()
        .toBuffer();
      const page = await clientPage({
        'photo.jpg': { type: 'image/jpeg', body: photo },
        'turned.jpg': { type: 'image/jpeg', body: turned },
      });
      const outcome = await page.evaluate(async (token) => {
        const view = globalThis as unknown as {
          visionq: typeof import('../src/index.js');
          location: { origin: string };
        };
        const { createVisionqClient, shrinkImage } = view.visionq;
        const sent: number[] = [];
        const recording: typeof fetch = (input, init) => {
          if (String(input).endsWith('/predict?wait=20')) sent.push((init?.body as Uint8Array).byteLength);
          return fetch(input, init);
        };
        const clientFor = (shrink: boolean) =>
          createVisionqClient({
            baseUrl: view.location.origin,
            token: async () => token,
            fetch: recording,
            shrink,
          });
        const bytes = async (path: string) => new Uint8Array(await (await fetch(path)).arrayBuffer());
        const photo = new File([await bytes('/client-test/photo.jpg')], 'photo.jpg');
        const shrunk = await clientFor(true).classify(photo);
        const full = await clientFor(false).classify(photo);
        const model = await clientFor(true).model();
        const upright = await shrinkImage(await bytes('/client-test/turned.jpg'), model.upload);
        return {
          sent,
          labels: [shrunk.result.label, full.result.label],
          upright: upright && { width: upright.width, height: upright.height },
          shortSide: model.upload.short_side,
        };
      }, tokenFor('browser-shrink'));
      expect(outcome.sent[0]).toBeLessThan(photo.byteLength / 5);
      expect(outcome.sent[1]).toBeGreaterThan(photo.byteLength);
      expect(outcome.labels[0]).toBe(outcome.labels[1]);
      expect(outcome.upright).toEqual({ width: outcome.shortSide, height: 1.5 * outcome.shortSide });
      await page.close();
    },
  );
});
