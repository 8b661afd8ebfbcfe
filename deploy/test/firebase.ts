import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ROOT } from './support.js';

// Firebase for the API in its production configuration (AUTH_MODE=firebase, a service-account key mounted as a
// file) where Google cannot be reached: the real Firebase Auth Emulator (firebase-tools, from the workspace) in a
// container beside it, on the same container network, and FIREBASE_AUTH_EMULATOR_HOST pointing at it. Users are
// signed up at the emulator as an app's SDK does, and their ID tokens sent as bearer tokens.

export const PROJECT_ID = 'demo-visionq';
export const EMULATOR_PORT = 9099;

/** A folder with a service-account key file made at run time (readable by the images' uid 1000, as the README says). */
export function makeKeyFolder(): { dir: string; keyFile: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'visionq-deploy-'));
  chmodSync(dir, 0o755);
  const keyFile = join(dir, 'firebase-key.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: PROJECT_ID,
      private_key_id: randomUUID().replaceAll('-', ''),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: `firebase-adminsdk@${PROJECT_ID}.iam.gserviceaccount.com`,
      client_id: '1',
      token_uri: 'https://oauth2.googleapis.com/token',
    }),
  );
  chmodSync(keyFile, 0o644);
  writeFileSync(
    join(dir, 'firebase.json'),
    JSON.stringify({
      emulators: {
        auth: { host: '0.0.0.0', port: EMULATOR_PORT },
        hub: { host: '127.0.0.1', port: 4400 },
        logging: { host: '127.0.0.1', port: 4500 },
        ui: { enabled: false },
      },
    }),
  );
  return { dir, keyFile };
}

/** The emulator's command in a container that has the repository at /repo and the key folder at /config. */
export function emulatorCommand(): string[] {
  const cli = join(
    dirname(
      createRequire(join(ROOT, 'packages/auth-firebase/package.json')).resolve('firebase-tools/package.json'),
    ),
    'lib/bin/firebase.js',
  );
  return [
    'node',
    `/repo/${relative(ROOT, cli)}`,
    'emulators:start',
    '--only',
    'auth',
    '--project',
    PROJECT_ID,
    '--config',
    '/config/firebase.json',
  ];
}

/** Offline and quiet: no update check, no message of the day, a writable HOME. */
export const EMULATOR_ENV = { HOME: '/tmp', CI: 'true', NO_UPDATE_NOTIFIER: '1' };

/** Signs a user up at the emulator as the Flutter SDK does; returns their ID token. */
export async function signUp(emulatorUrl: string, email: string): Promise<string> {
  const response = await fetch(`${emulatorUrl}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=any`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery', returnSecureToken: true }),
  });
  const body = (await response.json()) as { idToken?: string };
  if (!response.ok || !body.idToken) throw new Error(`sign-up: ${response.status} ${JSON.stringify(body)}`);
  return body.idToken;
}
