import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { afterAll, describe, expect, it } from 'vitest';

// Every published package is packed exactly as `pnpm publish` would pack it, then checked by publint and by
// Are The Types Wrong on the tarball itself.

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const out = mkdtempSync(join(tmpdir(), 'visionq-pack-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const packages = readdirSync(packagesDir).filter((name) => {
  const manifest = JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')) as {
    private?: boolean;
  };
  return !manifest.private;
});

describe.each(packages)('package %s', (name) => {
  const dir = join(packagesDir, name);

  it('passes publint', async () => {
    const { messages } = await publint({ pkgDir: dir, level: 'warning', strict: true, pack: 'pnpm' });
    expect(messages.map((m) => `${m.type} ${m.code} ${JSON.stringify(m.args)}`)).toEqual([]);
  }, 120_000);

  it('passes Are The Types Wrong, packed', () => {
    const packed = execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, encoding: 'utf8' });
    const tarball = packed.trim().split('\n').at(-1) as string;
    // attw exits non-zero when it finds a problem that the ESM-only profile does not ignore.
    const attw = spawnSync(join(root, 'node_modules/.bin/attw'), [tarball, '--profile', 'esm-only'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(attw.status, attw.stdout + attw.stderr).toBe(0);
  }, 120_000);
});
