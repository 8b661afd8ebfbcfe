import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { repoPath } from '@visionq/service-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTRY, freePort, startProcess } from '../../api/test/e2e/processes.js';

// `pnpm start` as a person runs it: quiet, one line to read once it serves, Ctrl-C without a pnpm error.

const held: Server[] = [];
afterAll(() => held.forEach((server) => server.close()));

describe('pnpm start', () => {
  it('prints no build-tool banner, ends with the line to read, and stops on Ctrl-C with exit 0', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // In a process group of its own, as a terminal runs it: Ctrl-C signals the whole group.
    const child = spawn('pnpm', ['start'], {
      cwd: repoPath('.'),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const line = `visionq is serving on ${url}: try it at ${url}/, API description at ${url}/openapi.json (Ctrl-C stops it)`;
    for (let i = 0; i < 1200 && !output.includes(line) && child.exitCode === null; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output, output).toContain(line);
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    expect(output.trimEnd().split('\n').at(-1)).toBe(line);
    expect(output).not.toMatch(/turbo|telemetry|Packages in scope|Tasks:/i);

    process.kill(-(child.pid as number), 'SIGINT');
    expect(await exited).toBe(0);
    expect(output).not.toContain('ELIFECYCLE');
    expect(output).toContain('"msg":"stopped"');
  }, 150_000);

  it('a port already in use says so, and how to pick another, in one line', async () => {
    const taken = createServer();
    held.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    const service = startProcess('all-in-one', ENTRY.allInOne, { PORT: String(port) });
    expect(await service.exited).toBe(1);
    const errors = service
      .output()
      .split('\n')
      .filter((text) => text.startsWith('visionq'));
    expect(errors).toEqual([
      `visionq: port ${port} on 127.0.0.1 is already in use (another visionq?): stop it, or pick another port, e.g. PORT=${port + 1} pnpm start`,
    ]);
  }, 60_000);
});
