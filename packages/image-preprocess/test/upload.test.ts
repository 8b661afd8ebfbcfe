import { describe, expect, it } from 'vitest';
import { parsePreprocessSpec, recommendUpload, UPLOAD_OVERSAMPLING } from '../src/index.js';

/** The size a client following the recommendation sends, as `@visionq/client` computes it. */
function shrunk(width: number, height: number, rec: ReturnType<typeof recommendUpload>) {
  const scale = Math.min(1, rec.short_side / Math.min(width, height), rec.max_side / Math.max(width, height));
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

describe('recommendUpload', () => {
  it('asks fill and cover models for a short side of 4× the input, as a JPEG', () => {
    const spec = parsePreprocessSpec({ width: 128, height: 128, resize: 'fill' });
    expect(recommendUpload(spec)).toEqual({
      short_side: 512,
      max_side: 2048,
      type: 'image/jpeg',
      quality: 90,
    });
    expect(recommendUpload({ width: 224, height: 112, resize: 'cover' }).short_side).toBe(896);
  });

  it.each([
    ['fill', 4000, 3000],
    ['fill', 3000, 4000],
    ['cover', 6000, 2000],
    ['fill', 9000, 1000],
    ['contain', 4000, 3000],
    ['contain', 1000, 9000],
  ] as const)('%s, %i×%i: every axis the model reads still covers the input', (resize, width, height) => {
    const spec = { width: 96, height: 160, resize };
    const size = shrunk(width, height, recommendUpload(spec));
    const longest = Math.max(spec.width, spec.height);
    if (resize === 'contain') {
      // The long side is fitted to the input: it alone must cover it, four times over.
      expect(Math.max(size.width, size.height)).toBe(UPLOAD_OVERSAMPLING * longest);
    } else {
      // Each axis is stretched or cropped to the input's: both must cover it, a panorama at least once.
      expect(Math.min(size.width, size.height)).toBeGreaterThanOrEqual(longest);
      if (Math.max(width, height) / Math.min(width, height) <= 4)
        expect(Math.min(size.width, size.height)).toBe(UPLOAD_OVERSAMPLING * longest);
    }
  });

  it('never enlarges: a photo already small is sent as it is', () => {
    expect(shrunk(320, 240, recommendUpload({ width: 128, height: 128, resize: 'fill' }))).toEqual({
      width: 320,
      height: 240,
    });
  });
});
