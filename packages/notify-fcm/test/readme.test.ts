import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { PROJECT_ID, startFcm, type Fcm } from './support/fcm-app.js';

// The README's example is a program: run it as written, but with the service-account key file the stand-in
// trusts and its app's requests carried to the stand-in.

let fcm: Fcm;
beforeAll(async () => {
  fcm = await startFcm();
});
afterAll(() => fcm.stop());

it('runs its example: one data message sent, its status printed', async () => {
  const readme = await readFile(join(import.meta.dirname, '../README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const appLine = "initializeApp({ credential: cert('secrets/firebase-key.json') })";
  expect(example).toContain(appLine);
  const scope = `readme${randomUUID().replaceAll('-', '')}`;
  Object.assign(globalThis, { [scope]: { keyFile: fcm.keyFile, agent: fcm.standIn.agent } });
  const program = example
    .replace(
      "from '@visionq/notify-fcm'",
      `from ${JSON.stringify(join(import.meta.dirname, '../src/index.js'))}`,
    )
    .replace(
      appLine,
      `initializeApp({ credential: cert(globalThis.${scope}.keyFile, globalThis.${scope}.agent), ` +
        `httpAgent: globalThis.${scope}.agent }, '${scope}')`,
    )
    .replace("process.argv[2] ?? ''", "'readme-device-token'");
  const file = join(import.meta.dirname, `.${scope}.ts`);
  await writeFile(file, program);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const before = fcm.standIn.requests.length;
    await import(file);
    expect(log).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'fcm', attempts: 1, delivered_at: expect.any(String) }),
    );
    const [request] = fcm.standIn.requests.slice(before);
    // The project comes from the key file, as the example names none.
    expect(request?.path).toBe(`/v1/projects/${PROJECT_ID}/messages:send`);
    expect(request?.body.message).toMatchObject({
      token: 'readme-device-token',
      data: { status: 'succeeded', label: 'stop', label_name: 'Pare', confidence: '0.97' },
    });
  } finally {
    log.mockRestore();
    await rm(file, { force: true });
  }
});
