// The phone of `pnpm bench mobile`: runs inside the network namespace, behind the 10 Mbit/s link, and times
// each photo from the moment it is picked (its bytes read from "the gallery") to the result in hand.
//   node --conditions=@visionq/source --import tsx src/mobile-phone.ts URL TOKEN PHOTO RUNS
// One JSON line per run on stdout.
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createVisionqClient } from '@visionq/client';

const [url, token, photoPath, runs] = process.argv.slice(2) as [string, string, string, string];
let uploadStarted = 0;
let uploaded = 0;
const client = createVisionqClient({
  baseUrl: url,
  token: () => token,
  fetch: (input, init) => {
    if (init?.method === 'POST') {
      uploadStarted = performance.now();
      uploaded = (init.body as Uint8Array).byteLength;
    }
    return fetch(input, init);
  },
});

// The app is open: it has asked GET /model already (the first photo of a session pays one more round trip,
// ~the link's latency) and holds a connection to the API.
await client.classify(await readFile(photoPath), { shrink: true });

for (let run = 0; run < Number(runs); run++) {
  // Alternate, so that both modes see the same moments of a shared machine.
  for (const shrink of run % 2 === 0 ? [true, false] : [false, true]) {
    const picked = performance.now();
    const photo = await readFile(photoPath);
    const task = await client.classify(photo, { shrink });
    const done = performance.now();
    console.log(
      JSON.stringify({
        shrink,
        ms: done - picked,
        prepareMs: uploadStarted - picked,
        bytes: uploaded,
        photoBytes: photo.byteLength,
        label: task.result.label,
      }),
    );
  }
}
