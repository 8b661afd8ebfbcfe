import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';
import { BLUE, RED, corruptJpeg, photoJpeg, solidPng } from '../../image-preprocess/test/images.js';
import { fixture } from './models.js';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, out: out.join('\n'), err: err.join('\n') };
}

describe('visionq-classify', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'visionq-cli-'));
    await writeFile(join(dir, 'red.png'), await solidPng(RED));
    await writeFile(join(dir, 'blue.png'), await solidPng(BLUE));
    await writeFile(join(dir, 'broken.jpg'), corruptJpeg());
    await writeFile(join(dir, 'photo.jpg'), await photoJpeg(64, 48));
    const colours = JSON.parse(await readFile(fixture('colours-nchw').replace(/onnx$/, 'json'), 'utf8'));
    await writeFile(
      join(dir, 'with-none.json'),
      JSON.stringify({ ...colours, noneLabel: { id: 'nothing', names: { en: 'Nothing', es: 'Nada' } } }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints the best label first, then the top-k, with display names', async () => {
    const { status, out } = await run(
      '--lang',
      'es',
      '--top-k',
      '2',
      fixture('colours-nchw'),
      join(dir, 'red.png'),
    );
    expect(status).toBe(0);
    expect(out.split('\n')).toEqual([
      `${join(dir, 'red.png')}: red (Rojo) 100.0%`,
      '  red (Rojo) 100.0%',
      '  green (Verde) 0.0%',
    ]);
  });

  it('prints an answer under the floor as not recognised, with the best guess, and the none label if any', async () => {
    const photo = join(dir, 'photo.jpg');
    const plain = await run('--min-confidence', '1', fixture('colours-nchw'), photo);
    expect(plain.status).toBe(0);
    expect(plain.out.split('\n')[0]).toMatch(
      new RegExp(`^${photo}: not recognised — best guess: (red|green|blue) \\(\\w+\\) \\d+\\.\\d%$`),
    );
    const named = await run(
      '--lang',
      'es',
      '--min-confidence',
      '1',
      '--metadata',
      join(dir, 'with-none.json'),
      fixture('colours-nchw'),
      photo,
    );
    expect(named.out.split('\n')[0]).toMatch(
      new RegExp(`^${photo}: nothing \\(Nada\\) — best guess: \\w+ \\(\\w+\\)`),
    );
    const json = await run('--json', '--min-confidence', '0', fixture('colours-nchw'), photo);
    expect(JSON.parse(json.out).prediction.recognized).toBe(true);
    const bad = await run('--min-confidence', '2', fixture('colours-nchw'), photo);
    expect(bad.status).toBe(2);
    expect(bad.err).toMatch(/--min-confidence must be a number from 0 to 1, got 2/);
  });

  it('reports images it cannot classify, and exits 1', async () => {
    const { status, out } = await run(
      '--json',
      fixture('colours-nchw'),
      join(dir, 'blue.png'),
      join(dir, 'broken.jpg'),
      join(dir, 'missing.png'),
    );
    expect(status).toBe(1);
    const lines = out.split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => [l.ok, l.prediction?.label ?? l.error.code])).toEqual([
      [true, 'blue'],
      [false, 'invalid_image'],
      [false, 'unreadable'],
    ]);
  });

  it('exits 2 with usage or the load error', async () => {
    expect((await run()).status).toBe(2);
    expect((await run('--bogus', 'x', 'y')).err).toMatch(/usage: visionq-classify/);
    const missing = await run(join(dir, 'none.onnx'), join(dir, 'red.png'));
    expect(missing.status).toBe(2);
    expect(missing.err).toMatch(/cannot load .*none\.onnx: cannot read model metadata/);
    expect((await run('--help')).out).toMatch(/usage/);
  });

  const bin = join(import.meta.dirname, '../dist/cli.js');
  it.skipIf(!existsSync(bin))('runs as the built bin', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      bin,
      fixture('colours-nhwc-bgr'),
      join(dir, 'blue.png'),
    ]);
    expect(stdout.split('\n')[0]).toBe(`${join(dir, 'blue.png')}: blue 100.0%`);
  });
});
