// Writes samples/*.jpg: photo-like scenes of a few signs (640×480 unless named otherwise), rendered by the
// test's own SVG drawings, for the README's curl example, the examples and the benchmarks. One file per label,
// named after it; samples/phone/stop.jpg is the same kind of scene at a phone camera's 4032×3024.
//
//   pnpm --filter @visionq/model-traffic-signs samples

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderScene, type SceneOptions } from '../test/support/scene.js';

const dir = join(import.meta.dirname, '..', 'samples');

const samples: Record<string, SceneOptions> = {
  stop: { size: 0.5, x: 0.42, y: 0.42, rotate: -3, clutter: 20, seed: 101 },
  yield: { size: 0.45, x: 0.6, y: 0.4, clutter: 18, seed: 102 },
  no_entry: { size: 0.4, x: 0.35, y: 0.45, rotate: 4, clutter: 22, seed: 103 },
  speed_limit_50: { size: 0.5, x: 0.55, y: 0.42, clutter: 16, seed: 104 },
  speed_limit_120: { size: 0.45, x: 0.45, y: 0.4, rotate: -5, clutter: 25, seed: 105 },
  pedestrian_crossing: { size: 0.45, x: 0.62, y: 0.45, clutter: 20, seed: 106 },
  roundabout: { size: 0.45, x: 0.4, y: 0.45, rotate: 3, clutter: 18, seed: 107 },
};

mkdirSync(join(dir, 'phone'), { recursive: true });
for (const [id, options] of Object.entries(samples)) {
  writeFileSync(join(dir, `${id}.jpg`), await renderScene(id, { quality: 85, ...options }));
}
writeFileSync(
  join(dir, 'phone', 'stop.jpg'),
  await renderScene('stop', { ...samples.stop, width: 4032, height: 3024, quality: 85 }),
);
console.log(`wrote ${Object.keys(samples).length + 1} samples to ${dir}`);
