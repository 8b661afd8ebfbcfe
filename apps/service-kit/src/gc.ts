import { setFlagsFromString } from 'node:v8';

/**
 * Lets V8 count buffers (ArrayBuffers outside the JavaScript heap) in the heap's own growing limit, instead of
 * starting a full collection after every 64 MB of new ones. Every image passes through a service as socket
 * reads and buffers several times its size, so with the fixed step a worker or an API ran a full mark-compact
 * every two or three phone photos, for a live heap of about 20 MB; counted in the heap's limit, four to five
 * times fewer, and 11–32 % less CPU per image (docs/benchmarks.md). Only where V8 has the flag (13 and later):
 * an older one would print that it does not know it.
 */
export function countBuffersInHeapLimit(v8Version = process.versions.v8): boolean {
  if (Number(v8Version.split('.')[0]) < 13) return false;
  setFlagsFromString('--external-memory-accounted-in-global-limit');
  return true;
}
