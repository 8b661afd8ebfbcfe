import { readFileSync } from 'node:fs';
import { createEmulatorIdToken } from '@visionq/auth-firebase';
import {
  ENTRY,
  freePort,
  startProcess,
  waitUntilServing,
  type ServiceProcess,
} from '../../../../apps/api/test/e2e/processes.js';
import { repoPath } from '@visionq/service-kit';

/** The real API: the all-in-one process (in-memory queue and store, local auth, bundled model), as `pnpm start`. */
export interface LiveApi {
  url: string;
  process: ServiceProcess;
  stop(): Promise<number | string>;
}

export async function startApi(env: Record<string, string> = {}): Promise<LiveApi> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = startProcess('all-in-one', ENTRY.allInOne, { PORT: String(port), ...env });
  await waitUntilServing(`${url}/healthz`, process, 60_000);
  return { url, process, stop: () => process.kill('SIGTERM') };
}

/** A local-mode ID token, as `pnpm run token <uid>` prints it. */
export function tokenFor(uid: string): string {
  return createEmulatorIdToken({ uid, projectId: 'demo-visionq' });
}

export function sample(name: string): Buffer {
  return readFileSync(repoPath(`models/traffic-signs/samples/${name}`));
}

export const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>',
);
