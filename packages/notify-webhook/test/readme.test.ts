import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// The README's example is a whole program (a receiver and a notifier): it runs as a reader would run it.
it('the README example delivers a webhook that its receiver verifies', async () => {
  const readme = await readFile(join(import.meta.dirname, '../README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  expect(example).toContain('new WebhookNotifier(');
  const file = join(import.meta.dirname, `.readme-${randomUUID()}.ts`);
  await writeFile(file, example.replace("from '@visionq/notify-webhook'", "from '../src/index.js'"));
  try {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@visionq/source', '--import', tsx, file],
      { timeout: 30_000 },
    );
    expect(stdout).toMatch(
      /^task-2f1d9a4e-8c3b-4a57-9d0e-6b7c8a9f0e1d \{"type":"task\.ended",.*"label":"stop"/m,
    );
    expect(stdout).not.toContain('alice');
    expect(stdout).toMatch(/channel: 'webhook',\s+attempts: 1,\s+delivered_at: '/);
  } finally {
    await rm(file, { force: true });
  }
});
