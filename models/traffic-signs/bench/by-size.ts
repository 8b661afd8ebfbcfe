// Top-1 accuracy on scenes drawn by the test's SVG renderer, by how large the sign is in the photo: where the
// model stops being reliable. Not a test (no threshold); prints one line per size.
//
//   pnpm --filter @visionq/model-traffic-signs exec tsx bench/by-size.ts

import { random, renderScene } from '../test/support/scene.js';
import { SIGNS } from '../test/support/signs-svg.js';
import { loadModel, top1 } from '../test/support/model.js';

const SIZES = [0.15, 0.2, 0.25, 0.3, 0.4, 0.6, 0.8];
const PER_CLASS = 4;

const model = await loadModel();
const ids = Object.keys(SIGNS);
for (const size of SIZES) {
  const rnd = random(Math.round(size * 1000));
  const cases = ids.flatMap((id) =>
    Array.from({ length: PER_CLASS }, () => ({
      id,
      options: {
        size,
        x: 0.25 + rnd() * 0.5,
        y: 0.3 + rnd() * 0.3,
        rotate: (rnd() - 0.5) * 12,
        clutter: 5 + Math.floor(rnd() * 25),
        seed: Math.floor(rnd() * 1e9),
        quality: 60 + Math.floor(rnd() * 35),
      },
    })),
  );
  const images = await Promise.all(cases.map((c) => renderScene(c.id, c.options)));
  const results = await top1(model, images);
  const correct = results.filter((r, i) => r.label === cases[i]?.id).length;
  const speedCases = cases.filter((c) => c.id.startsWith('speed_limit_'));
  const speedCorrect = results.filter(
    (r, i) => cases[i]?.id.startsWith('speed_limit_') && r.label === cases[i]?.id,
  );
  console.log(
    `sign ${Math.round(size * 100)}% of the short side: ${((100 * correct) / cases.length).toFixed(1)}% ` +
      `(${correct}/${cases.length}); speed limits ${speedCorrect.length}/${speedCases.length}`,
  );
}
await model.close();
