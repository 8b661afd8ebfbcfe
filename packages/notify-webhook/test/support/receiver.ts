import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { ReceiverStep } from '@visionq/core';
import type { ReceivedNotification } from '@visionq/core/testing';
import { makeCertifiedKey } from '@visionq/test-support/google';

/** How the receiver answers one attempt: a contract step, or any status with headers. */
export type Answer = ReceiverStep | { status: number; headers?: Record<string, string> };

/** One request as the receiver read it. */
export interface Delivery {
  headers: IncomingMessage['headers'];
  body: string;
  /** What `Webhook.verify` returned, or undefined when the signature did not verify. */
  verified: unknown;
  at: number;
}

export const HOSTNAME = 'hooks.visionq.test';
/** A key and a self-signed certificate (so also the CA a client must trust), in PEM. */
export interface TestCertificate {
  keyPem: string;
  certificatePem: string;
}
let certificate: TestCertificate | undefined;

/** One certificate per test file: making a key takes a while. */
export function testCertificate(): TestCertificate {
  if (!certificate) {
    const { privateKey, certificatePem } = makeCertifiedKey(HOSTNAME, [HOSTNAME, '127.0.0.1']);
    certificate = { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certificatePem };
  }
  return certificate;
}

/**
 * A webhook receiver on 127.0.0.1 (https with a test certificate for `hooks.visionq.test`, or plain http) that
 * verifies every signature with the Standard Webhooks library and answers each attempt as told.
 */
export class Receiver {
  readonly deliveries: Delivery[] = [];
  connections = 0;
  private readonly answers: Answer[] = [];
  private readonly server;
  port = 0;

  private constructor(
    private readonly secret: string,
    readonly tls: boolean,
  ) {
    const handle = (request: IncomingMessage, response: ServerResponse) =>
      void this.handle(request, response);
    const { keyPem, certificatePem } = testCertificate();
    this.server = tls
      ? createHttpsServer({ key: keyPem, cert: certificatePem }, handle)
      : createServer(handle);
    this.server.on(tls ? 'secureConnection' : 'connection', () => (this.connections += 1));
  }

  static async start(secret: string, { tls = true } = {}): Promise<Receiver> {
    const receiver = new Receiver(secret, tls);
    receiver.server.listen(0, '127.0.0.1');
    await once(receiver.server, 'listening');
    receiver.port = (receiver.server.address() as AddressInfo).port;
    return receiver;
  }

  url(path = '/hooks/visionq', host = HOSTNAME): string {
    return `${this.tls ? 'https' : 'http'}://${host}:${this.port}${path}`;
  }

  answerNext(answers: readonly Answer[]): void {
    this.answers.push(...answers);
  }

  /** Every attempt in order, as the contract reads them; throws if any signature failed to verify. */
  received(): ReceivedNotification[] {
    return this.deliveries.map((delivery) => {
      const event = delivery.verified as { data?: { task_id?: string; status?: string } } | undefined;
      if (!event) throw new Error('the receiver got a webhook whose signature does not verify');
      return {
        id: String(delivery.headers['webhook-id']),
        taskId: String(event.data?.task_id),
        status: String(event.data?.status),
      };
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    let verified: unknown;
    try {
      verified = new Webhook(this.secret).verify(body, request.headers as Record<string, string>);
    } catch {
      verified = undefined;
    }
    this.deliveries.push({ headers: request.headers, body, verified, at: Date.now() });
    const answer = this.answers.shift() ?? 'ok';
    if (answer === 'hang') return; // never answered: the attempt times out
    const { status, headers = {} } =
      answer === 'ok'
        ? { status: 204 }
        : answer === 'transient'
          ? { status: 503 }
          : answer === 'permanent'
            ? { status: 410 }
            : answer;
    response.writeHead(status, headers).end();
  }
}
