import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createVisionqClient, shrinkImage, targetSize, type UploadRecommendation } from '../src/index.js';
import { noisyJpeg } from '../../../apps/api/test/support.js';
import { json, scriptedServer } from './support/scripted-server.js';

const UPLOAD: UploadRecommendation = { short_side: 512, max_side: 2048, type: 'image/jpeg', quality: 90 };

/** A noisy photo-like JPEG (noise keeps it from compressing to nothing), with an EXIF orientation if given. */
async function photo(width: number, height: number, orientation?: number): Promise<Buffer> {
  const noisy = await noisyJpeg(width, height);
  return orientation ? sharp(noisy).withMetadata({ orientation }).jpeg({ quality: 95 }).toBuffer() : noisy;
}

describe('shrinkImage in Node (sharp)', () => {
  it('a large photo becomes a JPEG whose short side is the recommended one', async () => {
    const original = await photo(2400, 1800);
    const shrunk = await shrinkImage(original, UPLOAD);
    expect(shrunk).toMatchObject({ width: 683, height: 512 });
    const info = await sharp(shrunk!.bytes).metadata();
    expect(info).toMatchObject({ format: 'jpeg', width: 683, height: 512 });
    expect(shrunk!.bytes.byteLength).toBeLessThan(original.byteLength / 5);
  });

  it('applies the EXIF orientation first: a photo taken upright is sent upright, without the tag', async () => {
    // Stored 1800×1200, orientation 6 (rotate 90° clockwise to view): upright it is 1200×1800.
    const shrunk = await shrinkImage(await photo(1800, 1200, 6), UPLOAD);
    expect(shrunk).toMatchObject({ width: 512, height: 768 });
    const info = await sharp(shrunk!.bytes).metadata();
    expect(info).toMatchObject({ width: 512, height: 768 });
    expect(info.orientation ?? 1).toBe(1);
  });

  it('sends the original when the photo is small already, or is not an image sharp reads', async () => {
    expect(await shrinkImage(await photo(640, 480), UPLOAD)).toBeUndefined();
    expect(await shrinkImage(new TextEncoder().encode('<html>not a photo</html>'), UPLOAD)).toBeUndefined();
    const truncated = (await photo(2400, 1800)).subarray(0, 200);
    expect(await shrinkImage(truncated, UPLOAD)).toBeUndefined();
  });

  it('targetSize: short side and long side bounds, never enlarging', () => {
    expect(targetSize(4000, 3000, UPLOAD)).toEqual({ width: 683, height: 512 });
    expect(targetSize(3000, 4000, UPLOAD)).toEqual({ width: 512, height: 683 });
    expect(targetSize(10_000, 1000, UPLOAD)).toEqual({ width: 2048, height: 205 });
    expect(targetSize(512, 400, UPLOAD)).toBeUndefined();
  });
});

describe('an API without GET /model', () => {
  let server: Awaited<ReturnType<typeof scriptedServer>> | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('gets the original photo, and is asked for its model only once, without a token', async () => {
    const queued = json(202, { task_id: '8a0d4f43-4a1c-4c4e-9d55-2d1e3ad0f2a1', status: 'queued' });
    const notFound = json(404, { error: { code: 'not_found', message: 'no such route' } });
    server = await scriptedServer([notFound, queued, queued]);
    const client = createVisionqClient({ baseUrl: server.url, token: () => 't', maxRetries: 0 });
    const original = await photo(1600, 1200);
    await client.submit(original);
    await client.submit(original);
    expect(server.seen.map((seen) => `${seen.method} ${seen.url}`)).toEqual([
      'GET /model',
      'POST /predict',
      'POST /predict',
    ]);
    for (const upload of server.seen.slice(1)) expect(upload.bodyBytes).toBeGreaterThan(original.byteLength);
    // GET /model is public: asked without a token, so that it works before anyone signs in.
    expect(server.seen[0]?.headers.authorization).toBeUndefined();
    expect(server.seen[1]?.headers.authorization).toBe('Bearer t');
  });
});
