import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createEmulatorIdToken } from '@visionq/auth-firebase';
import { repoPath } from '@visionq/service-kit';
import { signOnPhoto } from '../../models/traffic-signs/test/support/photos.js';
import { startAllInOne } from './service.js';
import { fmt, median, table } from './stats.js';

// A phone's link: the client in a network namespace of its own, joined to this one by a veth pair whose two
// ends send at most RATE each way (tc's token bucket filter: netem, which would add latency, is not available
// here). Only the /30 below is used, on these two interfaces; nothing else on the host is touched.
const NAMESPACE = 'visionq-mobile';
const HOST_IF = 'vqm-host';
const PHONE_IF = 'vqm-phone';
const HOST_ADDRESS = '10.200.22.1';
const PHONE_ADDRESS = '10.200.22.2';
const PREFIX = 30;
/** A 12-megapixel photograph (4224×3168) from Debian's lomiri-wallpapers-16.04, held out of the model's training. */
const PHOTO = '/usr/share/backgrounds/Dragonfly_by_Bolly.jpg';

export interface MobileOptions {
  runs: number;
  /** tc rate, e.g. `10mbit`. */
  rate: string;
}

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'pipe' });
const quietly = (command: string, args: string[]) => {
  try {
    run(command, args);
  } catch {
    // absent already
  }
};

function linkUp(rate: string): void {
  linkDown(); // what a killed run may have left
  run('ip', ['netns', 'add', NAMESPACE]);
  run('ip', ['link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', PHONE_IF, 'netns', NAMESPACE]);
  run('ip', ['addr', 'add', `${HOST_ADDRESS}/${PREFIX}`, 'dev', HOST_IF]);
  run('ip', ['link', 'set', HOST_IF, 'up']);
  run('ip', ['-n', NAMESPACE, 'addr', 'add', `${PHONE_ADDRESS}/${PREFIX}`, 'dev', PHONE_IF]);
  run('ip', ['-n', NAMESPACE, 'link', 'set', PHONE_IF, 'up']);
  run('ip', ['-n', NAMESPACE, 'link', 'set', 'lo', 'up']);
  // Each end shapes what it sends: the phone's end its uploads, the host's end what the phone downloads.
  const tbf = ['root', 'tbf', 'rate', rate, 'burst', '16kb', 'latency', '100ms'];
  run('tc', ['qdisc', 'add', 'dev', HOST_IF, ...tbf]);
  run('ip', ['netns', 'exec', NAMESPACE, 'tc', 'qdisc', 'add', 'dev', PHONE_IF, ...tbf]);
}

/** Deleting the namespace deletes the phone's end, and with it the pair. */
function linkDown(): void {
  quietly('ip', ['netns', 'del', NAMESPACE]);
  quietly('ip', ['link', 'del', HOST_IF]);
}

/**
 * The embedded service in local auth mode listens on loopback only (it accepts unsigned tokens); the phone
 * reaches it through this forwarder on the link's host address, as it would reach a reverse proxy.
 */
async function forwarder(to: URL): Promise<{ server: Server; url: string }> {
  const server = createServer((socket) => {
    const upstream = connect(Number(to.port), to.hostname);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST_ADDRESS, resolve);
  });
  const { port } = server.address() as { port: number };
  return { server, url: `http://${HOST_ADDRESS}:${port}` };
}

interface Sample {
  shrink: boolean;
  ms: number;
  prepareMs: number;
  bytes: number;
  photoBytes: number;
  label: string;
}

function phone(url: string, photo: string, runs: number): Promise<Sample[]> {
  const token = createEmulatorIdToken({ uid: 'bench-phone', projectId: 'demo-visionq' });
  const args = [
    'netns',
    'exec',
    NAMESPACE,
    process.execPath,
    '--conditions=@visionq/source',
    '--import',
    'tsx',
  ];
  const child = spawn('ip', [...args, 'src/mobile-phone.ts', url, token, photo, String(runs)], {
    cwd: repoPath('bench'),
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the phone exited with ${code}`));
      resolve(
        out
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Sample),
      );
    });
  });
}

/** Photo picked to result over a phone's link, a 12 MP JPEG with and without shrinking. Needs root. */
export async function mobile({ runs, rate }: MobileOptions): Promise<string> {
  if (process.getuid?.() !== 0)
    throw new Error('pnpm bench mobile needs root: it makes a network namespace and shapes a link with tc');
  const work = mkdtempSync(join(tmpdir(), 'visionq-mobile-'));
  // A phone's photo: the 12 MP photograph with a stop sign on it, JPEG quality 95 (2.4–4.3 MB is typical).
  const { width } = await sharp(PHOTO).metadata();
  const photo = join(work, 'photo.jpg');
  writeFileSync(photo, await signOnPhoto(PHOTO, 'stop', { width, size: 0.3, x: 0.62, y: 0.4, quality: 95 }));
  const service = await startAllInOne();
  let server: Server | undefined;
  const stopNow = () => {
    linkDown();
    process.exit(130);
  };
  process.once('SIGINT', stopNow).once('SIGTERM', stopNow);
  let samples: Sample[];
  try {
    linkUp(rate);
    const forwarding = await forwarder(new URL(service.url));
    server = forwarding.server;
    samples = await phone(forwarding.url, photo, runs);
  } finally {
    server?.close();
    linkDown();
    process.off('SIGINT', stopNow).off('SIGTERM', stopNow);
    await service.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const first = samples[0];
  const rows = [true, false].map((shrink) => {
    const mine = samples.filter((sample) => sample.shrink === shrink);
    return [
      shrink ? 'shrunk by @visionq/client (sharp)' : 'sent as it is (`shrink: false`)',
      `${fmt(median(mine.map((s) => s.bytes)) / 1000, 0)} kB`,
      fmt(median(mine.map((s) => s.prepareMs)), 0),
      fmt(median(mine.map((s) => s.ms)) / 1000, 2),
      `${fmt(Math.min(...mine.map((s) => s.ms)) / 1000, 2)}–${fmt(Math.max(...mine.map((s) => s.ms)) / 1000, 2)}`,
      [...new Set(mine.map((s) => s.label))].join(', '),
    ];
  });
  return [
    `A ${fmt((first?.photoBytes ?? 0) / 1e6, 2)} MB 12-megapixel JPEG (${PHOTO.split('/').pop()}, 4224×3168, a stop sign drawn on it), ` +
      `picked on a phone behind a ${rate} link each way (tc tbf, no added latency) to the embedded service; ` +
      `${runs} runs each, alternating:`,
    '',
    table(
      [
        'upload',
        'bytes sent',
        'picked → upload starts, ms',
        'picked → result, s (median)',
        'range, s',
        'answer',
      ],
      rows,
    ),
  ].join('\n');
}
