// Photo-like test scenes: a sign from signs-svg.ts on a pole in front of a cluttered street-ish background,
// rasterised by sharp and encoded as JPEG, as a phone would upload it.

import sharp from 'sharp';
import { signSvg, type SignOptions } from './signs-svg.js';

/** A small seeded PRNG (mulberry32), so every render is reproducible from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SceneOptions extends SignOptions {
  width?: number;
  height?: number;
  /** Sign size as a fraction of the shorter side of the image (default 0.6). */
  size?: number;
  /** Centre of the sign as fractions of width and height (default the middle). */
  x?: number;
  y?: number;
  /** Degrees, clockwise (default 0). */
  rotate?: number;
  /** Background shapes (default 12). */
  clutter?: number;
  /** Seed of the background (default 1). */
  seed?: number;
  /** JPEG quality (default 90). */
  quality?: number;
}

function colour(rnd: () => number): string {
  const c = () => Math.floor(40 + rnd() * 180);
  return `rgb(${c()},${c()},${c()})`;
}

function background(width: number, height: number, count: number, rnd: () => number): string {
  const horizon = Math.round(height * (0.4 + rnd() * 0.3));
  const parts = [
    `<rect width="${width}" height="${horizon}" fill="${colour(rnd)}"/>`,
    `<rect y="${horizon}" width="${width}" height="${height - horizon}" fill="${colour(rnd)}"/>`,
  ];
  for (let i = 0; i < count; i++) {
    const x = rnd() * width;
    const y = rnd() * height;
    const kind = rnd();
    if (kind < 0.4) {
      const w = width * (0.05 + rnd() * 0.3);
      const h = height * (0.1 + rnd() * 0.6);
      parts.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${colour(rnd)}"/>`);
    } else if (kind < 0.7) {
      const r = Math.min(width, height) * (0.03 + rnd() * 0.12);
      parts.push(`<ellipse cx="${x}" cy="${y}" rx="${r}" ry="${r * 0.8}" fill="${colour(rnd)}"/>`);
    } else {
      const x2 = rnd() * width;
      const y2 = rnd() * height;
      const w = 1 + rnd() * 5;
      parts.push(
        `<line x1="${x}" y1="${y}" x2="${x2}" y2="${y2}" stroke="${colour(rnd)}" stroke-width="${w}"/>`,
      );
    }
  }
  return parts.join('');
}

/** The sign on its pole, as SVG elements over a `width`×`height` frame (no background). */
export function signOnPoleSvg(id: string, options: SceneOptions = {}): string {
  const { width = 640, height = 480, size = 0.6, x = 0.5, y = 0.5, rotate = 0 } = options;
  const side = Math.min(width, height) * size;
  const cx = width * x;
  const cy = height * y;
  const pole = `<rect x="${cx - side * 0.035}" y="${cy}" width="${side * 0.07}" height="${height}" fill="#8a8d91"/>`;
  const sign =
    `<g transform="translate(${cx} ${cy}) rotate(${rotate}) scale(${side / 100}) translate(-50 -50)">` +
    `${signSvg(id, options)}</g>`;
  return `${pole}${sign}`;
}

/** The whole scene as one SVG document. */
export function sceneSvg(id: string, options: SceneOptions = {}): string {
  const { width = 640, height = 480 } = options;
  const rnd = random(options.seed ?? 1);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `${background(width, height, options.clutter ?? 12, rnd)}${signOnPoleSvg(id, options)}</svg>`
  );
}

/** The scene as JPEG bytes. */
export async function renderScene(id: string, options: SceneOptions = {}): Promise<Buffer> {
  return sharp(Buffer.from(sceneSvg(id, options)))
    .jpeg({ quality: options.quality ?? 90 })
    .toBuffer();
}
