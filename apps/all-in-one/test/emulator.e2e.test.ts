import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The Auth Emulator fixture of the auth package: the real firebase-tools emulator, offline, on free ports.
import { AuthEmulator } from '../../../packages/auth-firebase/test/support/auth-emulator.js';
import { repoPath } from '@visionq/service-kit';
import {
  ENTRY,
  freePort,
  startProcess,
  waitUntilServing,
  type ServiceProcess,
} from '../../api/test/e2e/processes.js';

const STOP = readFileSync(repoPath('models/traffic-signs/samples/stop.jpg'));

// As a Flutter developer runs it: `pnpm start` with FIREBASE_AUTH_EMULATOR_HOST set, the app signed up against
// the emulator, its ID token sent as the bearer token.
describe('all-in-one with the Firebase Auth Emulator', () => {
  let emulator: AuthEmulator;
  let service: ServiceProcess;
  let url = '';
  beforeAll(async () => {
    emulator = await AuthEmulator.start('demo-visionq');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = startProcess('all-in-one', ENTRY.allInOne, {
      PORT: String(port),
      FIREBASE_AUTH_EMULATOR_HOST: emulator.host,
    });
    await waitUntilServing(`${url}/healthz`, service);
  }, 150_000);
  afterAll(async () => {
    await service?.kill('SIGTERM');
    await emulator?.stop();
  }, 30_000);

  it("a user signed up in the emulator over REST gets a prediction with the emulator's ID token", async () => {
    const user = await emulator.signUp(`flutter-${Date.now()}@example.test`);
    const res = await fetch(`${url}/predict?wait=20`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${user.idToken}`, 'Content-Type': 'image/jpeg' },
      body: STOP,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; task_id: string };
    expect(body.status).toBe('succeeded');
    const again = await fetch(`${url}/result/${body.task_id}`, {
      headers: { Authorization: `Bearer ${user.idToken}` },
    });
    expect(again.status).toBe(200);
  }, 60_000);

  it('a token for a user the emulator does not know is refused', async () => {
    const { createEmulatorIdToken } = await import('@visionq/auth-firebase');
    const stranger = createEmulatorIdToken({ uid: 'never-signed-up', projectId: 'demo-visionq' });
    const res = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stranger}`, 'Content-Type': 'image/jpeg' },
      body: STOP,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });
});
