import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyStream } from '../src/index.js';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createLogger', () => {
  it('writes Cloud Logging’s severity beside pino’s numeric level on every line', () => {
    const out = sink();
    const logger = createLogger('trace', 'test', out.stream);
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    logger.child({ task_id: 'x' }).warn('child');
    const lines = out
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; severity: string; msg: string });
    expect(lines.map(({ level, severity, msg }) => [msg, level, severity])).toEqual([
      ['t', 10, 'DEBUG'],
      ['d', 20, 'DEBUG'],
      ['i', 30, 'INFO'],
      ['w', 40, 'WARNING'],
      ['e', 50, 'ERROR'],
      ['f', 60, 'CRITICAL'],
      ['child', 40, 'WARNING'],
    ]);
  });
});

describe('prettyStream', () => {
  it('turns log lines into lines for people, and lets a plain line through as it is', async () => {
    const out = sink();
    const stream = prettyStream(out.stream);
    const logger = createLogger('info', 'test', stream);
    logger.info({ url: 'http://127.0.0.1:8080', docs: 'http://127.0.0.1:8080/docs' }, 'listening');
    stream.write('visionq is serving on http://127.0.0.1:8080\n');
    await expect.poll(() => out.text()).toContain('visionq is serving');
    const lines = out.text().split('\n');
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening$/);
    expect(out.text()).toContain('docs: "http://127.0.0.1:8080/docs"');
    expect(out.text()).not.toContain('severity');
    expect(out.text()).not.toContain('"level"');
    expect(lines).toContain('visionq is serving on http://127.0.0.1:8080');
  });
});
