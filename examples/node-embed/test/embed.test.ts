import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '@visionq/service-kit';

const run = promisify(execFile);
const PACKAGES = ['core', 'image-preprocess', 'onnx-classifier'];
const MODEL = repoPath('models/traffic-signs/traffic-signs.onnx');
const SAMPLES = repoPath('models/traffic-signs/samples');

interface Line {
  file: string;
  type?: string;
  width?: number;
  label?: string;
  top_k?: { label: string; confidence: number }[];
  error?: { code: string };
}

// The published packages, outside the workspace: packed as `pnpm publish` packs them, installed with npm into a
// folder of its own, and used by a plain Node program.
describe('examples/node-embed: the packed packages installed with npm, classifying with the bundled model', () => {
  const work = mkdtempSync(join(tmpdir(), 'visionq-embed-'));
  const app = join(work, 'app');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(async () => {
    const tarballs: string[] = [];
    for (const name of PACKAGES) {
      const { stdout } = await run('pnpm', ['pack', '--pack-destination', work], {
        cwd: repoPath(`packages/${name}`),
      });
      tarballs.push(stdout.trim().split('\n').at(-1) as string);
    }
    cpSync(repoPath('examples/node-embed/project'), app, { recursive: true });
    // --ignore-scripts: onnxruntime-node's postinstall would download CUDA libraries; its CPU build needs none.
    await run(
      'npm',
      ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs],
      {
        cwd: app,
        timeout: 150_000,
      },
    );
  }, 180_000);

  it('installs from the tarballs alone: real versions, no workspace links, no install script run', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const name of PACKAGES) expect(manifest.dependencies[`@visionq/${name}`]).toMatch(/^file:.*\.tgz$/);
    const installed = readFileSync(join(app, 'node_modules/@visionq/onnx-classifier/package.json'), 'utf8');
    expect(installed).not.toContain('workspace:');
    const ort = join(app, 'node_modules/onnxruntime-node/bin');
    expect(existsSync(ort)).toBe(true);
    const files = readdirSync(ort, { recursive: true }).map(String);
    expect(files.some((file) => file.endsWith('onnxruntime_binding.node'))).toBe(true);
    expect(files.filter((file) => /cuda|tensorrt/i.test(file))).toEqual([]);
  });

  it('classifies the samples in one batch; an undecodable image fails alone (exit 1)', async () => {
    const stop = readFileSync(join(SAMPLES, 'stop.jpg'));
    writeFileSync(join(work, 'cut.jpg'), stop.subarray(0, Math.floor(stop.length * 0.4)));
    const images = [join(SAMPLES, 'stop.jpg'), join(SAMPLES, 'yield.jpg'), join(work, 'cut.jpg')];
    const result = await run(process.execPath, ['classify.mjs', MODEL, ...images], { cwd: app }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect('code' in result ? result.code : 0, result.stderr).toBe(1);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Line);
    expect(lines.map((line) => line.file)).toEqual(images);
    const [stopLine, yieldLine, cutLine] = lines;
    expect(stopLine).toMatchObject({ type: 'image/jpeg', label: 'stop' });
    expect(stopLine?.width).toBeGreaterThan(0);
    expect(stopLine?.top_k?.[0]?.label).toBe('stop');
    expect(yieldLine?.top_k).toHaveLength(5);
    expect(cutLine?.error?.code).toBe('invalid_image');
  });

  it('without arguments it prints its usage and exits 2', async () => {
    const error = await run(process.execPath, ['classify.mjs'], { cwd: app }).catch(
      (failure: { code: number; stderr: string }) => failure,
    );
    expect(error).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: node classify.mjs') });
  });
});
