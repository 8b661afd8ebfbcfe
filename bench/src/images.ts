import sharp from 'sharp';

/**
 * A photo-like JPEG: smooth noise (drawn at a quarter of the size and scaled up), which compresses and decodes
 * like a camera picture rather than like a flat colour or pure noise.
 */
export async function photo(width: number, height: number, seed = 0): Promise<Buffer> {
  const noise = await sharp({
    create: {
      width: Math.ceil(width / 4),
      height: Math.ceil(height / 4),
      channels: 3,
      background: { r: (seed * 53) % 256, g: 90, b: 140 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .png()
    .toBuffer();
  return sharp(noise).resize(width, height).jpeg({ quality: 90 }).toBuffer();
}

export interface Workload {
  name: string;
  images: Buffer[];
}

/** The images the benchmark sends: 640×480 and 4032×3024 (12-megapixel phone) JPEGs, alternating. */
export async function mixedWorkload(): Promise<Workload> {
  const small = await Promise.all([0, 1, 2].map((seed) => photo(640, 480, seed)));
  const phone = await Promise.all([0, 1].map((seed) => photo(4032, 3024, seed)));
  return {
    name: 'mix: half 640×480, half 4032×3024 JPEG',
    images: [small[0]!, phone[0]!, small[1]!, phone[1]!, small[2]!, phone[0]!],
  };
}

/** The mixes the headline measures one at a time: phone photos only, and 640×480 pictures only. */
export async function headlineMixes(): Promise<Workload[]> {
  const small = await Promise.all([0, 1, 2].map((seed) => photo(640, 480, seed)));
  const phone = await Promise.all([0, 1].map((seed) => photo(4032, 3024, seed)));
  return [
    { name: 'phone photos (4032×3024 JPEG)', images: phone },
    { name: '640×480 JPEG', images: small },
  ];
}

export const bytesOf = (images: Buffer[]) => images.reduce((sum, image) => sum + image.length, 0);
