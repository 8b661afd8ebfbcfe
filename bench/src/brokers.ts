import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { promisify } from 'node:util';

/**
 * What the brokers did for the service: the RabbitMQ and Redis server processes (found by the port they listen
 * on, when they run on this machine), the requests Redis read and the packets RabbitMQ exchanged with the
 * service's own connections. Anything that cannot be read (a remote broker, no rabbitmqctl) is `undefined`.
 */
export interface BrokerProbe {
  rabbitPid: number | undefined;
  redisPid: number | undefined;
  /** Socket reads Redis has processed so far, every client: round trips, a pipeline counting once. */
  redisReads(): Promise<number | undefined>;
  /** Socket reads + writes RabbitMQ counted on the connections these processes hold (`rabbitmqctl`). */
  amqpPackets(pids: readonly number[]): Promise<number | undefined>;
}

export function probeBrokers(urls: { amqp: string; redis: string }): BrokerProbe {
  const amqp = new URL(urls.amqp);
  const redis = new URL(urls.redis);
  const amqpPort = Number(amqp.port || 5672);
  const redisPort = Number(redis.port || 6379);
  const local = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return {
    rabbitPid: local(amqp) ? listenerPid(amqpPort) : undefined,
    redisPid: local(redis) ? listenerPid(redisPort) : undefined,
    redisReads: () => redisReadCount(redis.hostname, redisPort).catch(() => undefined),
    amqpPackets: (pids) => amqpPacketCount(pids, amqpPort).catch(() => undefined),
  };
}

interface TcpSocket {
  localPort: number;
  remotePort: number;
  state: string;
  inode: string;
}

function tcpSockets(): TcpSocket[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => {
        const f = line.trim().split(/\s+/);
        const port = (address: string) => parseInt(address.split(':')[1] ?? '0', 16);
        return { localPort: port(f[1]!), remotePort: port(f[2]!), state: f[3]!, inode: f[9]! };
      });
  });
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

/** The process listening on a TCP port of this machine (Linux, as root or as the same user). */
function listenerPid(port: number): number | undefined {
  const listening = new Set(
    tcpSockets()
      .filter((s) => s.state === '0A' && s.localPort === port)
      .map((s) => s.inode),
  );
  if (listening.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    for (const inode of socketInodes(Number(entry))) if (listening.has(inode)) return Number(entry);
  }
  return undefined;
}

/** Socket reads Redis has processed so far (`INFO stats`), every client: a command or a pipeline each. */
async function redisReadCount(host: string, port: number): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = createConnection({ host: host.replace(/^\[|\]$/g, ''), port });
    let reply = '';
    socket.setTimeout(3000, () => socket.destroy(new Error('redis INFO timed out')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      const header = /^\$(\d+)\r\n/.exec(reply);
      if (header && Buffer.byteLength(reply) >= header[0].length + Number(header[1]) + 2) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write('INFO stats\r\n');
  });
  // The INFO itself was one read.
  return Number(/^total_reads_processed:(\d+)/m.exec(text)?.[1]) - 1;
}

/**
 * RabbitMQ's `recv_cnt` + `send_cnt` (socket reads and writes) summed over the connections whose client end
 * belongs to one of `pids`, matched by the client's port.
 */
async function amqpPacketCount(pids: readonly number[], amqpPort: number): Promise<number | undefined> {
  const inodes = new Set(pids.flatMap((pid) => [...socketInodes(pid)]));
  const ports = new Set(
    tcpSockets()
      .filter((s) => s.remotePort === amqpPort && inodes.has(s.inode))
      .map((s) => s.localPort),
  );
  if (ports.size === 0) return undefined;
  const { stdout } = await promisify(execFile)(
    'rabbitmqctl',
    ['list_connections', '-q', '--no-table-headers', 'name', 'recv_cnt', 'send_cnt'],
    { timeout: 20_000 },
  );
  let packets = 0;
  for (const line of stdout.split('\n')) {
    const [name, recv, send] = line.split('\t');
    const port = Number(/:(\d+) ->/.exec(name ?? '')?.[1]);
    if (ports.has(port)) packets += Number(recv) + Number(send);
  }
  return packets;
}

/** CPU seconds (user + system, every thread) a process has used so far, from /proc (Linux). */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime, fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
