import assembleReleasePlan from '@changesets/assemble-release-plan';
import { read as readConfig } from '@changesets/config';
import getReleasePlan from '@changesets/get-release-plan';
import { getPackages } from '@manypkg/get-packages';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// What `changeset version` would do, computed by changesets itself: with the pending changesets of the
// repository, and with one made-up changeset on @visionq/core at a time.

const root = join(import.meta.dirname, '..');

async function planFor(type: 'patch' | 'minor') {
  const packages = await getPackages(root);
  const config = await readConfig(root, packages);
  const changeset = { id: `core-${type}`, summary: 'x', releases: [{ name: '@visionq/core', type }] };
  const plan = assembleReleasePlan([changeset], packages, config, undefined);
  return Object.fromEntries(
    plan.releases.filter((release) => release.type !== 'none').map((release) => [release.name, release.type]),
  );
}

describe('release plan', () => {
  it('a patch of core releases a patch of core and nothing else', async () => {
    expect(await planFor('patch')).toEqual({ '@visionq/core': 'patch' });
  });

  it('a minor of core forces no major on the packages that peer-depend on it', async () => {
    const plan = await planFor('minor');
    expect(plan['@visionq/core']).toBe('minor');
    expect(Object.values(plan)).not.toContain('major');
  });

  it('the pending changesets release no major, and examples/node-embed accepts the versions they make', async () => {
    const plan = await getReleasePlan(root);
    expect(
      plan.releases.filter((release) => release.type === 'major').map((release) => release.name),
    ).toEqual([]);
    const next = new Map(plan.releases.map((release) => [release.name, release.newVersion]));
    const project = JSON.parse(
      readFileSync(join(root, 'examples/node-embed/project/package.json'), 'utf8'),
    ) as {
      dependencies: Record<string, string>;
    };
    for (const [name, range] of Object.entries(project.dependencies)) {
      const manifest = JSON.parse(
        readFileSync(join(root, 'packages', name.replace('@visionq/', ''), 'package.json'), 'utf8'),
      ) as { version: string };
      const version = next.get(name) ?? manifest.version;
      expect(semver.satisfies(version, range), `${name}@${version} in ${range}`).toBe(true);
    }
  });
});
