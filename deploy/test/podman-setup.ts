import { createWriteStream, mkdirSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BROKERS, IMAGES, podmanEnv } from './podman.js';
import { DEPLOY, ROOT } from './support.js';

// Before the container tests: the base image (made once, then kept in podman's storage), the two targets built
// from deploy/Dockerfile and the brokers from deploy/brokers, as the README says. Everything they print goes to test-results/deploy-build.log.

const LOG_DIR = join(ROOT, 'test-results');

function step(log: NodeJS.WritableStream, command: string, args: string[]): Promise<number> {
  log.write(`\n$ ${command} ${args.join(' ')}\n`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: podmanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('error', reject);
    child.once('close', (code) => {
      const seconds = (Date.now() - started) / 1000;
      console.log(`deploy: ${command} ${args.join(' ')}: ${seconds.toFixed(0)} s`);
      if (code === 0) resolve(seconds);
      else
        reject(new Error(`${command} ${args.join(' ')} exited ${code}: see test-results/deploy-build.log`));
    });
  });
}

async function imageId(image: string): Promise<string | undefined> {
  const result = spawnSync('podman', ['image', 'inspect', '--format', '{{.Id}}', image], {
    env: podmanEnv,
    encoding: 'utf8',
  });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

export default async function setup(): Promise<void> {
  // For working on the tests themselves: the images from the last build, whatever changed since.
  if (process.env.DEPLOY_REUSE_IMAGES === '1') return;
  const missing = ['podman', 'podman-compose', 'debootstrap', 'runc'].filter(
    (command) =>
      spawnSync('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`]).status !== 0,
  );
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} missing: apt-get install podman podman-compose runc netavark aardvark-dns debootstrap (.ci/run does)`,
    );
  }
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(join(LOG_DIR, 'deploy-build.log'));
  try {
    await step(log, 'bash', [join(DEPLOY, 'base-image.sh')]);
    for (const target of ['api', 'worker', 'all-in-one'] as const) {
      const previous = await imageId(IMAGES[target]);
      // Docker's image format: OCI's has no HEALTHCHECK, and podman would drop the API's.
      await step(log, 'podman', [
        'build',
        '--format',
        'docker',
        '-f',
        'deploy/Dockerfile',
        '--target',
        target,
        '-t',
        IMAGES[target],
        '.',
      ]);
      // A source change makes a new image and build stage: drop the ones this tag had, or every run leaves
      // about 2 GB behind (podman rmi also removes the parent layers nothing else uses).
      if (previous && previous !== (await imageId(IMAGES[target]))) {
        spawnSync('podman', ['rmi', previous], { env: podmanEnv });
      }
    }
    for (const target of ['rabbitmq', 'redis'] as const) {
      await step(log, 'podman', [
        'build',
        '-f',
        'deploy/brokers/Dockerfile',
        '--target',
        target,
        '-t',
        BROKERS[target],
        'deploy/brokers',
      ]);
    }
  } finally {
    log.end();
  }
}
