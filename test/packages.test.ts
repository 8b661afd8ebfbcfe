import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every published package is packed exactly as `pnpm publish` would pack it; the tarball itself is then checked:
// real version ranges, the built files its manifest points at, the licence, publint and Are The Types Wrong.

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const out = mkdtempSync(join(tmpdir(), 'visionq-pack-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Manifest {
  private?: boolean;
  license?: string;
  repository?: { directory?: string };
  exports?: unknown;
  bin?: Record<string, string>;
  [field: string]: unknown;
}

const readManifest = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

const packages = readdirSync(packagesDir).filter(
  (name) => !readManifest(join(packagesDir, name, 'package.json')).private,
);

/** Every file an `exports` map or `bin` points at, whatever the condition (the source one included). */
function targets(manifest: Manifest): string[] {
  const found: string[] = Object.values(manifest.bin ?? {});
  const walk = (node: unknown): void => {
    if (typeof node === 'string') found.push(node);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(manifest.exports);
  return found;
}

describe.each(packages)('package %s', (name) => {
  const dir = join(packagesDir, name);
  const unpacked = join(out, name);
  let tarball = '';

  beforeAll(() => {
    const packed = execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, encoding: 'utf8' });
    tarball = packed.trim().split('\n').at(-1) as string;
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
  }, 120_000);

  it('packs real version ranges, the built files it points at, and the licence', () => {
    const text = readFileSync(join(unpacked, 'package/package.json'), 'utf8');
    expect(text).not.toContain('workspace:');
    const manifest = JSON.parse(text) as Manifest;
    const missing = targets(manifest).filter((file) => !existsSync(join(unpacked, 'package', file)));
    expect(missing, 'run `pnpm build` first').toEqual([]);
    expect(targets(manifest).some((file) => file.startsWith('./dist/'))).toBe(true);
    expect(readFileSync(join(unpacked, 'package/LICENSE'), 'utf8')).toBe(
      readFileSync(join(root, 'LICENSE'), 'utf8'),
    );
    expect(manifest.license).toBe('MIT');
  });

  it('says where it comes from, for npm', () => {
    const manifest = readManifest(join(dir, 'package.json'));
    for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'engines']) {
      expect(manifest[field], field).toBeDefined();
    }
    expect(manifest.repository?.directory).toBe(`packages/${name}`);
  });

  it('passes publint', async () => {
    const { messages } = await publint({ pkgDir: dir, level: 'warning', strict: true, pack: 'pnpm' });
    expect(messages.map((m) => `${m.type} ${m.code} ${JSON.stringify(m.args)}`)).toEqual([]);
  }, 120_000);

  it('passes Are The Types Wrong, packed', () => {
    // attw exits non-zero when it finds a problem that the ESM-only profile does not ignore.
    const attw = spawnSync(join(root, 'node_modules/.bin/attw'), [tarball, '--profile', 'esm-only'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(attw.status, attw.stdout + attw.stderr).toBe(0);
  }, 120_000);
});
