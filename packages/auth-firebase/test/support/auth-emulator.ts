import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '@visionq/test-support/servers';

/**
 * The real Firebase Auth Emulator (firebase-tools from npm), started offline on free ports. Its UI is off and
 * HOME points at a temporary folder, so nothing is downloaded and nothing outside that folder is written.
 */
export class AuthEmulator {
  private constructor(
    readonly host: string,
    readonly projectId: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly output: () => string,
  ) {}

  static async start(projectId: string): Promise<AuthEmulator> {
    const dir = mkdtempSync(join(tmpdir(), 'visionq-auth-emulator-'));
    const [auth, hub, logging, vscode] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const config = join(dir, 'firebase.json');
    const at = (port: number) => ({ host: '127.0.0.1', port });
    writeFileSync(
      config,
      JSON.stringify({
        emulators: { auth: at(auth), hub: at(hub), logging: at(logging), ui: { enabled: false } },
      }),
    );
    const home = join(dir, 'home');
    mkdirSync(home);
    const cli = join(
      dirname(createRequire(import.meta.url).resolve('firebase-tools/package.json')),
      'lib/bin/firebase.js',
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
      // CI turns off the CLI's message-of-the-day fetch and its update check: no network calls at all.
      CI: 'true',
      NO_UPDATE_NOTIFIER: '1',
      // The CLI tells a VS Code extension on localhost:40001 that it started; send that to a closed port instead
      // of whatever else may listen there.
      VSCODE_WEBHOOK_PORT: String(vscode),
    };
    delete env.FIREBASE_AUTH_EMULATOR_HOST;
    const child = spawn(
      process.execPath,
      [cli, 'emulators:start', '--only', 'auth', '--project', projectId, '--config', config],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const emulator = new AuthEmulator(`127.0.0.1:${auth}`, projectId, child, dir, () => output);
    await emulator.#waitUntilReady(90_000);
    return emulator;
  }

  async #waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) break;
      const ready = await fetch(`http://${this.host}/`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await this.stop();
    throw new Error(`the Auth Emulator did not start:\n${this.output()}`);
  }

  /** Signs a new user up exactly as the Flutter SDK does against the emulator; returns uid and ID token. */
  async signUp(email: string, password = 'correct horse battery'): Promise<{ uid: string; idToken: string }> {
    const body = await this.#call('/v1/accounts:signUp?key=any', {
      email,
      password,
      returnSecureToken: true,
    });
    return { uid: body.localId as string, idToken: body.idToken as string };
  }

  /** Creates a user with a chosen uid through the emulator's admin API. */
  async createUser(uid: string): Promise<void> {
    await this.#call(`/v1/projects/${this.projectId}/accounts`, { localId: uid }, true);
  }

  /** Updates a user through the admin API (`disableUser`, `validSince`, …). */
  async updateUser(uid: string, changes: Record<string, unknown>): Promise<void> {
    await this.#call(`/v1/projects/${this.projectId}/accounts:update`, { localId: uid, ...changes }, true);
  }

  async #call(path: string, body: unknown, admin = false): Promise<Record<string, unknown>> {
    const response = await fetch(`http://${this.host}/identitytoolkit.googleapis.com${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(admin ? { authorization: 'Bearer owner' } : {}) },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`emulator ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
