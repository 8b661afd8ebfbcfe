// Real photographs the bundled model was never trained on: Debian's Lomiri wallpapers, whose packages the
// training script holds out whole (photos.py). They are read from the installed packages, never committed.

import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { signOnPoleSvg, type SceneOptions } from './scene.js';

export const HELD_OUT_PACKAGES = ['lomiri-wallpapers-16.04', 'lomiri-wallpapers-20.04'];

export type HeldOutPhotos = { files: string[]; missing?: undefined } | { files: []; missing: string };

/** The packages' photographs, or why there are none here (a package not installed, no dpkg). */
export function heldOutPhotos(): HeldOutPhotos {
  const files: string[] = [];
  for (const pkg of HELD_OUT_PACKAGES) {
    let listing: string;
    try {
      listing = execFileSync('dpkg', ['-L', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return {
        files: [],
        missing: `${pkg} is not installed (apt-get install ${HELD_OUT_PACKAGES.join(' ')})`,
      };
    }
    files.push(...listing.split('\n').filter((f) => /^\/usr\/share\/backgrounds\/[^/]+\.jpe?g$/i.test(f)));
  }
  return { files: files.sort() };
}

/** The photograph as a phone upload: scaled to `width` pixels wide, JPEG. */
export async function photoJpeg(file: string, width = 800, quality = 85): Promise<Buffer> {
  return sharp(file).rotate().resize({ width }).jpeg({ quality }).toBuffer();
}

/** The photograph with a sign drawn onto it by this test (signs-svg.ts), on a pole, as JPEG. */
export async function signOnPhoto(file: string, id: string, options: SceneOptions = {}): Promise<Buffer> {
  const base = await sharp(file)
    .rotate()
    .resize({ width: options.width ?? 800 })
    .toBuffer({ resolveWithObject: true });
  const { width, height } = base.info;
  const overlay =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `${signOnPoleSvg(id, { ...options, width, height })}</svg>`;
  return sharp(base.data)
    .composite([{ input: Buffer.from(overlay) }])
    .jpeg({ quality: options.quality ?? 85 })
    .toBuffer();
}
