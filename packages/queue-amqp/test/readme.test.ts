import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { removeQueueTopology } from '@visionq/test-support/amqp';
import { probeServer } from '@visionq/test-support/servers';

// The README's example is a program: run it, as a reader would, against the test broker and a queue of its own.

const server = await probeServer('amqp');
const tsx = createRequire(import.meta.url).resolve('tsx');
const run = promisify(execFile);

describe.skipIf(!server.available)('README', () => {
  it('runs its example: publish, consume, stop, close', async () => {
    const readme = await readFile(join(import.meta.dirname, '../README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain('createAmqpTaskQueue');
    const queue = `visionq-test-readme-${randomUUID()}`;
    const program = (example as string)
      .replace("from '@visionq/queue-amqp'", "from '../src/index.js'")
      .replace("'amqp://guest:guest@127.0.0.1:5672'", JSON.stringify(server.url))
      .replace("'visionq.example'", JSON.stringify(queue));
    const file = join(import.meta.dirname, `.readme-${randomUUID()}.ts`);
    await writeFile(file, program);
    try {
      const { stdout } = await run(
        process.execPath,
        ['--conditions=@visionq/source', '--import', tsx, file],
        {
          timeout: 20_000,
        },
      );
      expect(stdout).toMatch(/^[0-9a-f-]{36}: 70 bytes of image\/png, delivery 1$/m);
    } finally {
      await rm(file, { force: true });
      await removeQueueTopology(server.url, queue);
    }
  });
});
