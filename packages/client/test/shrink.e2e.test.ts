import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldOutPhotos, signOnPhoto } from '../../../models/traffic-signs/test/support/photos.js';
import { createVisionqClient, type VisionqClientOptions } from '../src/index.js';
import { startApi, tokenFor, type LiveApi } from './support/service.js';

// A 12-megapixel photograph the bundled model never saw (Debian's Lomiri wallpapers, held out of its training),
// with a sign drawn on it at full size, as a phone would take it.
const photos = heldOutPhotos();
const TWELVE_MP = photos.files.find((file) => file.endsWith('/Dragonfly_by_Bolly.jpg'));
const missing =
  photos.missing ?? (TWELVE_MP ? undefined : 'Dragonfly_by_Bolly.jpg is not in lomiri-wallpapers-16.04');
if (missing) console.warn(`skipping the 12-megapixel upload tests: ${missing}`);

/** What reached the API: GET /model calls and each upload's body. */
function recordingFetch() {
  const uploads: Uint8Array[] = [];
  let modelCalls = 0;
  const fetch: typeof globalThis.fetch = (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    if (url.pathname === '/model') modelCalls += 1;
    if (url.pathname === '/predict') uploads.push(init?.body as Uint8Array);
    return globalThis.fetch(input, init);
  };
  return { fetch, uploads, modelCalls: () => modelCalls };
}

describe.skipIf(missing !== undefined)(
  '@visionq/client shrinks a 12 MP photo before sending it (Node, sharp)',
  () => {
    let api: LiveApi;
    let photo: Buffer;
    beforeAll(async () => {
      const { width } = await sharp(TWELVE_MP).metadata();
      [api, photo] = await Promise.all([
        startApi(),
        signOnPhoto(TWELVE_MP as string, 'stop', { width, size: 0.35, x: 0.6, y: 0.45, quality: 92 }),
      ]);
    }, 90_000);
    afterAll(async () => {
      expect(await api?.stop()).toBe(0);
    });

    const clientFor = (options: Partial<VisionqClientOptions> = {}) =>
      createVisionqClient({ baseUrl: api.url, token: () => tokenFor(`shrink-${randomUUID()}`), ...options });

    it('by default: asks GET /model once, sends a JPEG of its size, and gets the answer the full photo gets', async () => {
      const model = await clientFor().model();
      const shrinking = recordingFetch();
      const client = clientFor({ fetch: shrinking.fetch });
      const shrunk = await client.classify(photo);
      await client.classify(photo);
      expect(shrinking.modelCalls()).toBe(1);
      const sent = shrinking.uploads[0] as Uint8Array;
      expect(sent.byteLength).toBeLessThan(photo.byteLength / 10);
      // The multipart body's one part is the shrunk JPEG: find it by its markers and read its size.
      const start = Buffer.from(sent).indexOf(Buffer.from([0xff, 0xd8, 0xff]));
      const jpeg = await sharp(Buffer.from(sent).subarray(start)).metadata();
      expect(Math.min(jpeg.width, jpeg.height)).toBe(model.upload.short_side);

      const full = await clientFor({ shrink: false }).classify(photo);
      expect(shrunk.result.label).toBe('stop');
      expect(shrunk.result.label).toBe(full.result.label);
      expect(Math.abs(shrunk.result.confidence - full.result.confidence)).toBeLessThan(0.1);
    });

    it('shrink: false (for the client, or for one call) sends the original bytes', async () => {
      for (const [options, call] of [
        [{ shrink: false }, {}],
        [{}, { shrink: false }],
      ] as const) {
        const recording = recordingFetch();
        await clientFor({ ...options, fetch: recording.fetch }).submit(photo, call);
        const body = Buffer.from(recording.uploads[0] as Uint8Array);
        expect(body.byteLength).toBeGreaterThan(photo.byteLength);
        expect(body.indexOf(photo)).toBeGreaterThan(0);
        expect(recording.modelCalls()).toBe(0);
      }
    });
  },
);
