import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type HeadlessChromium, type Page } from '@visionq/test-support/chromium';
import { repoPath } from '@visionq/service-kit';
import { tokenFor } from '../../api/test/e2e/http-suite.js';
import {
  ENTRY,
  freePort,
  startProcess,
  waitUntilServing,
  type ServiceProcess,
} from '../../api/test/e2e/processes.js';

// The try-it page at `/`, in headless Debian chromium, against the all-in-one process as `pnpm start` runs it.

const SAMPLES = repoPath('models/traffic-signs/samples');
const SCREENSHOTS = repoPath('test-results/screenshots');
// A photograph with no sign in it, from Debian's lomiri-wallpapers-20.04 (CI installs it; skipped without it).
const NO_SIGN_PHOTO = '/usr/share/backgrounds/Fossa_by_Jasper_Roks.jpg';
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>');

describe('try-it page in headless Chromium', () => {
  let service: ServiceProcess;
  let chromium: HeadlessChromium;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = startProcess('all-in-one', ENTRY.allInOne, { PORT: String(port) });
    [chromium] = await Promise.all([launchChromium(), waitUntilServing(`${url}/healthz`, service)]);
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 90_000);
  afterAll(async () => {
    await chromium?.close();
    expect(await service?.kill('SIGTERM')).toBe(0);
  });

  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await chromium.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${url}/`);
    return { page, problems };
  }

  it.skipIf(!existsSync(NO_SIGN_PHOTO))(
    'a photograph without a sign: "No sign recognised — best guess: …"',
    async () => {
      const { page, problems } = await openPage();
      await page.setInputFiles('#file', NO_SIGN_PHOTO);
      await page.locator('#bars li').first().waitFor({ timeout: 20_000 });
      await expect
        .poll(() => page.locator('#status').innerText())
        .toMatch(/^No sign recognised — best guess: [A-Z][\w ]+, \d+ %$/);
      expect(await page.locator('#status').getAttribute('class')).not.toBe('error');
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it('a stop sign: the photo, the top-k bars, and stop first', async () => {
    const { page, problems } = await openPage();
    await page.setInputFiles('#file', `${SAMPLES}/stop.jpg`);
    await page.locator('#bars li').first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/try-page-stop.png`, fullPage: true });

    expect(await page.locator('#token-row').isHidden()).toBe(true);
    const preview = page.locator('#preview');
    expect(await preview.evaluate((img) => (img as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(
      0,
    );
    const labels = await page
      .locator('#bars li')
      .evaluateAll((items) =>
        items.map((item) => (item as unknown as { dataset: { label: string } }).dataset.label),
      );
    expect(labels.length).toBeGreaterThan(1);
    expect(labels[0]).toBe('stop');
    expect(await page.locator('#bars li').first().innerText()).toMatch(/^Stop\s*\d+\.\d %$/);
    await expect.poll(() => page.locator('#status').innerText()).toMatch(/^Stop — \d+\.\d %$/);
    expect(await page.locator('#status').getAttribute('class')).not.toBe('error');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a refused upload (an SVG) shows the API’s message as an error, and no bars', async () => {
    const { page } = await openPage();
    await page.setInputFiles('#file', { name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: SVG });
    await page.locator('#status.error').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/try-page-refused.png`, fullPage: true });
    expect(await page.locator('#status').innerText()).toBe('not a JPEG, PNG, WebP, GIF, AVIF or TIFF image');
    expect(await page.locator('#bars li').count()).toBe(0);
    await page.close();
  });

  it('an image the worker cannot decode: the task’s failure is shown', async () => {
    const { page } = await openPage();
    const stop = readFileSync(`${SAMPLES}/stop.jpg`);
    const truncated = stop.subarray(0, Math.floor(stop.length * 0.4));
    await page.setInputFiles('#file', { name: 'cut.jpg', mimeType: 'image/jpeg', buffer: truncated });
    await page.locator('#status.error').waitFor({ timeout: 20_000 });
    expect(await page.locator('#status').innerText()).toMatch(/^Could not classify this image: /);
    await page.close();
  });

  it('Firebase mode: the page asks for a token, refuses without one, and works with one', async () => {
    const page = await chromium.context.newPage();
    // What the API answers when AUTH_MODE=firebase; local mode still verifies the token typed in below.
    await page.route(`${url}/try/config.json`, (route) => route.fulfill({ json: { authMode: 'firebase' } }));
    await page.goto(`${url}/`);
    await page.locator('#token-row').waitFor({ state: 'visible' });
    await page.setInputFiles('#file', `${SAMPLES}/yield.jpg`);
    await page.locator('#status.error').waitFor({ timeout: 20_000 });
    expect(await page.locator('#status').innerText()).toBe('unauthorized');

    await page.fill('#token', tokenFor('try-page-user'));
    await page.setInputFiles('#file', `${SAMPLES}/yield.jpg`);
    await page.locator('#bars li').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('#status').getAttribute('class')).not.toBe('error');
    await page.close();
  });
});

describe('TRY_PAGE=false', () => {
  it('serves no page and no token, while the API works', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = startProcess('all-in-one', ENTRY.allInOne, { PORT: String(port), TRY_PAGE: 'false' });
    try {
      await waitUntilServing(`${base}/healthz`, service);
      for (const path of ['/', '/app.js', '/try/config.json']) {
        expect((await fetch(`${base}${path}`)).status, path).toBe(404);
      }
      expect((await fetch(`${base}/openapi.json`)).status).toBe(200);
    } finally {
      expect(await service.kill('SIGTERM')).toBe(0);
    }
  }, 60_000);
});
