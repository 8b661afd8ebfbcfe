import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:http';
import {
  applicationDefault,
  cert,
  deleteApp,
  initializeApp,
  type App,
  type Credential,
} from 'firebase-admin/app';
import { getAuth, type Auth } from 'firebase-admin/auth';

/** How the firebase-admin app authenticates to Google (only the revocation check needs it). */
export type FirebaseCredential =
  /** A service-account key file (the JSON downloaded from the Firebase console). */
  | { keyFile: string }
  /** Google Application Default Credentials, resolved by firebase-admin. */
  | 'application-default';

export interface AppHandle {
  app: App;
  auth: Auth;
  /** Deletes the app if this adapter created it; an app that was handed in stays its owner's. */
  close(): Promise<void>;
}

export interface OwnedAppOptions {
  projectId: string;
  credential?: FirebaseCredential;
  httpAgent?: Agent;
}

/** Creates a firebase-admin app of our own, uniquely named so that any number of verifiers coexist. */
export function createOwnedApp(options: OwnedAppOptions): AppHandle {
  const { projectId, httpAgent } = options;
  const app = initializeApp(
    {
      projectId,
      credential: credentialFor(options.credential, httpAgent),
      ...(httpAgent ? { httpAgent } : {}),
    },
    `visionq-auth-${randomUUID()}`,
  );
  let deleted: Promise<void> | undefined;
  return {
    app,
    auth: getAuth(app),
    close: () => (deleted ??= deleteApp(app)),
  };
}

/** Uses an app the caller created and will delete. */
export function borrowApp(app: App, projectId: string): AppHandle {
  const appProject = app.options.projectId;
  if (appProject !== undefined && appProject !== projectId) {
    throw new TypeError(`app is configured for project "${appProject}", not projectId "${projectId}"`);
  }
  return { app, auth: getAuth(app), close: async () => {} };
}

function credentialFor(credential: FirebaseCredential | undefined, httpAgent: Agent | undefined): Credential {
  if (credential === undefined || credential === 'application-default') return applicationDefault(httpAgent);
  if (typeof credential === 'object' && credential !== null && typeof credential.keyFile === 'string') {
    try {
      return cert(credential.keyFile, httpAgent);
    } catch (error) {
      // firebase-admin's message names the problem (unreadable file, no private key) but never the key itself.
      throw new TypeError(`credential.keyFile cannot be used: ${(error as Error).message}`, { cause: error });
    }
  }
  throw new TypeError("credential must be { keyFile: '<path>' } or 'application-default'");
}
