import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type HeadlessChromium, type Page } from '@visionq/test-support/chromium';
import { repoPath } from '@visionq/service-kit';
import { tokenFor } from '../../api/test/e2e/http-suite.js';
import { noisyJpeg } from '../../api/test/support.js';
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
// 4224×3168, 1.5 MB, from lomiri-wallpapers-16.04.
const TWELVE_MP = '/usr/share/backgrounds/Dragonfly_by_Bolly.jpg';
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

/** axe-core's serious and critical violations on the page as it is now. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated, not added as a <script>: the page's CSP allows no inline script, and rightly so.
  await page.evaluate(AXE);
  const { violations } = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  };
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.impact} ${violation.id}: ${violation.nodes.map((node) => node.target).join(', ')}`,
    );
}

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
    // The page's module finishes after `load` (it awaits its configuration): the input is enabled once it has.
    await page.locator('#file:enabled').waitFor({ state: 'attached', timeout: 20_000 });
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
        .toMatch(/^No sign recognised — best guess: [A-Z][\w ]+, \d+\.\d%$/);
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
    expect(await page.locator('#bars li').first().innerText()).toMatch(/^Stop\s*\d+\.\d%$/);
    await expect.poll(() => page.locator('#status').innerText()).toMatch(/^Stop — \d+\.\d%$/);
    expect(await page.locator('#status').getAttribute('class')).not.toBe('error');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('an error after a result clears the result and its photo', async () => {
    const { page } = await openPage();
    await page.setInputFiles('#file', `${SAMPLES}/stop.jpg`);
    await page.locator('#bars li').first().waitFor({ timeout: 20_000 });
    await page.setInputFiles('#file', { name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: SVG });
    await page.locator('#status.error').waitFor({ timeout: 20_000 });
    expect(await page.locator('#output').isHidden()).toBe(true);
    expect(await page.locator('#preview').getAttribute('src')).toBeNull();
    expect(await page.locator('#bars li').count()).toBe(0);
    await page.close();
  });

  it('a refused upload (an SVG) shows the API’s message as an error, and no bars', async () => {
    const { page } = await openPage();
    await page.setInputFiles('#file', { name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: SVG });
    await page.locator('#status.error').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/try-page-refused.png`, fullPage: true });
    expect(await page.locator('#status').innerText()).toBe('not a JPEG, PNG, WebP, GIF, AVIF or TIFF image');
    expect(await page.locator('#bars li').count()).toBe(0);
    expect(await page.locator('#output').isHidden()).toBe(true);
    expect(await page.locator('#preview').getAttribute('src')).toBeNull();
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

  it('/docs: the API reference lists every operation of /openapi.json, with nothing fetched from elsewhere', async () => {
    const page = await chromium.context.newPage();
    const fetched: string[] = [];
    const blocked: string[] = [];
    page.on('requestfinished', (request) => fetched.push(request.url()));
    page.on('requestfailed', (request) => blocked.push(`${request.url()} ${request.failure()?.errorText}`));
    const response = await page.goto(`${url}/docs`);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self';/);
    await page.locator('[data-section-id^="operation/"]').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${SCREENSHOTS}/docs.png` });
    const listed = await page
      .locator('[data-section-id^="operation/"]')
      .evaluateAll((sections) => sections.map((section) => section.getAttribute('data-section-id')));
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as Record<
      'paths' | 'webhooks',
      Record<string, Record<string, { operationId: string }>>
    >;
    // The webhook a callback_url receives is listed too, after the paths.
    const operations = [document.paths, document.webhooks].flatMap((items) =>
      Object.values(items).flatMap((item) =>
        Object.values(item).map((operation) => `operation/${operation.operationId}`),
      ),
    );
    expect(operations.length).toBe(8);
    expect(listed).toEqual(operations);
    expect(fetched.filter((address) => !address.startsWith(url) && !address.startsWith('blob:'))).toEqual([]);
    // Redoc's footer asks for its logo on a CDN; the CSP refuses it before any request goes out.
    for (const failure of blocked) expect(failure).toMatch(/ csp$/);
    await page.close();
  });

  it('links to /docs from the page', async () => {
    const { page } = await openPage();
    await page.getByRole('link', { name: 'API reference' }).click();
    await page.locator('[data-section-id="operation/submitImage"]').waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe('/docs');
    await page.close();
  });

  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    it(`axe-core finds no serious or critical problem (${name}: empty, with a result, with an error)`, async () => {
      const { page, problems } = await openPage();
      await page.setViewportSize(viewport);
      expect(await accessibilityProblems(page)).toEqual([]);
      await page.setInputFiles('#file', `${SAMPLES}/stop.jpg`);
      await page.locator('#bars li').first().waitFor({ timeout: 20_000 });
      await page.screenshot({ path: `${SCREENSHOTS}/try-page-${name}.png`, fullPage: true });
      expect(await accessibilityProblems(page)).toEqual([]);
      await page.setInputFiles('#file', { name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: SVG });
      await page.locator('#status.error').waitFor({ timeout: 20_000 });
      expect(await accessibilityProblems(page)).toEqual([]);
      // The refused upload's 415 is logged by the browser itself; the page's own code raised nothing.
      expect(problems.filter((problem) => !problem.includes('status of 415'))).toEqual([]);
      await page.close();
    });
  }

  it('keyboard only: Tab reaches the file control with a visible focus, Space picks a photo, the result is announced', async () => {
    const { page } = await openPage();
    const outline = () =>
      page.evaluate<string>("getComputedStyle(document.getElementById('drop')).outlineStyle");
    expect(await outline()).toBe('none');
    const stops: string[] = [];
    for (let i = 0; i < 10 && stops.at(-1) !== 'file'; i += 1) {
      await page.keyboard.press('Tab');
      stops.push(
        await page.evaluate<string>(
          "document.activeElement?.id || document.activeElement?.textContent || ''",
        ),
      );
    }
    expect(stops).toEqual(['API reference', 'OpenAPI', 'lang', 'file']);
    expect(await outline()).toBe('solid');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    await chooser.setFiles(`${SAMPLES}/yield.jpg`);
    const status = page.locator('#status');
    expect(await status.getAttribute('role')).toBe('status');
    expect(await status.getAttribute('aria-live')).toBe('polite');
    await expect.poll(() => status.innerText(), { timeout: 20_000 }).toMatch(/^Yield — \d+\.\d%$/);
    expect(await page.locator('#bars').getAttribute('aria-labelledby')).toBe('output-title');
    await page.close();
  });

  it('in Spanish: the page text, the labels and the numbers, and back in English for the same result', async () => {
    const { page } = await openPage();
    await page.selectOption('#lang', 'es');
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    expect(await page.locator('.drop strong').innerText()).toBe('Elige una foto');
    expect(await page.title()).toBe('visionq — pruébalo');
    await page.setInputFiles('#file', `${SAMPLES}/stop.jpg`);
    await expect
      .poll(() => page.locator('#status').innerText(), { timeout: 20_000 })
      .toMatch(/^Pare — \d+,\d\s%$/);
    expect(await page.locator('#bars li').first().innerText()).toMatch(/^Pare\s*\d+,\d\s%$/);
    expect(page.url()).toMatch(/\?lang=es$/);

    await page.selectOption('#lang', 'en');
    await expect.poll(() => page.locator('#status').innerText()).toMatch(/^Stop — \d+\.\d%$/);
    expect(await page.locator('.drop strong').innerText()).toBe('Choose a photo');
    await page.close();
  });

  it('a photo of several MB on a slow link: upload progress, then Cancel clears it all and gives the focus back', async () => {
    const { page } = await openPage();
    const photo = await noisyJpeg(2800, 2100);
    expect(photo.length).toBeGreaterThan(2_000_000);
    const cdp = await chromium.context.newCDPSession(page);
    // 1 MB/s up: the upload takes seconds, long enough to watch it and to cancel it.
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 1_000_000,
    });
    // At full size: shrunk, it would be sent before anyone could cancel it.
    await page.locator('#original').check();
    await page.setInputFiles('#file', { name: 'big.jpg', mimeType: 'image/jpeg', buffer: photo });
    expect(await page.locator('#status').innerText()).toBe('Uploading…');
    const progress = page.locator('#progress');
    await expect
      .poll(() => progress.evaluate((bar) => (bar as { value: number }).value), { timeout: 20_000 })
      .toBeGreaterThan(0);
    expect(await progress.evaluate((bar) => (bar as { value: number }).value)).toBeLessThan(1);
    await page.locator('#cancel').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#status').innerText()).toBe('Cancelled.');
    expect(await page.locator('#progress-row').isHidden()).toBe(true);
    expect(await page.locator('#output').isHidden()).toBe(true);
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('file');
    await cdp.detach();
    await page.close();
  });

  it.skipIf(!existsSync(TWELVE_MP))(
    'a 12-megapixel photograph is shrunk to the size GET /model recommends before it is sent, with the same answer as at full size',
    async () => {
      const page = await chromium.context.newPage();
      const answer = async () => {
        const sent = page.waitForRequest((request) => new URL(request.url()).pathname === '/predict');
        await page.setInputFiles('#file', TWELVE_MP);
        // Once the upload has started, the previous result has been cleared: the next bars are this photo's.
        const request = await sent;
        await page.locator('#bars li').first().waitFor({ timeout: 30_000 });
        const labels = await page
          .locator('#bars li')
          .evaluateAll((items) => items.map((item) => item.getAttribute('data-label')));
        return { labels, bytes: Number((await request.allHeaders())['content-length']) };
      };
      await page.goto(`${url}/`);
      const shrunk = await answer();
      const original = readFileSync(TWELVE_MP);
      expect(shrunk.bytes).toBeLessThan(original.length / 5);
      await page.locator('#original').check();
      const full = await answer();
      expect(full.bytes).toBeGreaterThan(original.length);
      expect(shrunk.labels[0]).toBe(full.labels[0]);
      await page.close();
    },
  );
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
      expect((await fetch(`${base}/docs`)).status).toBe(200);
    } finally {
      expect(await service.kill('SIGTERM')).toBe(0);
    }
  }, 60_000);
});
