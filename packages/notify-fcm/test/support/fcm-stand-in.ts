import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ReceiverStep } from '@visionq/core';
import {
  answerTokenRequest,
  readBody,
  startHttpsStandIn,
  type HttpsStandIn,
} from '@visionq/test-support/google';

/** One answer the stand-in gives: a step of the contract, or a status and body of a test's choosing. */
export type Answer =
  | ReceiverStep
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string }
  /** Drops the connection without an answer. */
  | 'reset';

/** A send request as FCM would receive it. */
export interface SendRequest {
  host: string | undefined;
  method: string | undefined;
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: {
    message?: {
      token?: string;
      data?: Record<string, string>;
      android?: Record<string, unknown>;
      apns?: { headers?: Record<string, string>; payload?: unknown };
      [field: string]: unknown;
    };
  };
}

const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';

/** FCM's v1 error body (google.rpc.Status with an FcmError detail), as the send endpoint answers. */
export function fcmError(code: number, status: string, errorCode: string, message = status) {
  return { error: { code, message, status, details: [{ '@type': FCM_ERROR, errorCode }] } };
}

const TRANSIENT: Answer[] = [
  { status: 503, json: fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE', 'The service is currently unavailable.') },
  { status: 500, json: fcmError(500, 'INTERNAL', 'INTERNAL', 'Internal error encountered.') },
];
const PERMANENT: Answer = {
  status: 404,
  json: fcmError(404, 'NOT_FOUND', 'UNREGISTERED', 'Requested entity was not found.'),
};

/**
 * A local HTTPS stand-in for FCM's HTTP v1 send endpoint
 * (`POST https://fcm.googleapis.com/v1/projects/<project>/messages:send`) and Google's OAuth2 token endpoint,
 * reached through `agent`, the firebase-admin app's `httpAgent`. It answers send requests as scripted by
 * `answerNext` (then 200), and requires the bearer token it issued to the service account.
 */
export class FcmStandIn {
  /** Every send request that reached it, in order. */
  readonly requests: SendRequest[] = [];
  tokenRequests = 0;
  readonly accessToken = `stand-in-${randomUUID()}`;
  serviceAccountPublicKeyPem: string | undefined;
  /** Requests answered `hang`, and whether their connection has been closed since. */
  readonly hung: { closed: boolean }[] = [];
  readonly #answers: Answer[] = [];
  #transients = 0;
  #https!: HttpsStandIn;

  private constructor() {}

  static async start(): Promise<FcmStandIn> {
    const standIn = new FcmStandIn();
    standIn.#https = await startHttpsStandIn(
      ['fcm.googleapis.com', 'oauth2.googleapis.com'],
      (request, response) => void standIn.#handle(request, response),
    );
    return standIn;
  }

  get agent() {
    return this.#https.agent;
  }

  answerNext(answers: readonly Answer[]): void {
    this.#answers.push(...answers);
  }

  /** Answers every later request with 200 again. */
  forgetAnswers(): void {
    this.#answers.length = 0;
  }

  close(): Promise<void> {
    return this.#https.close();
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const host = request.headers.host?.split(':')[0];
    const reply = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
      response.end(JSON.stringify(json));
    };
    if (host === 'oauth2.googleapis.com' && request.method === 'POST' && request.url === '/token') {
      this.tokenRequests += 1;
      const { status, json } = answerTokenRequest(body, this.serviceAccountPublicKeyPem, this.accessToken);
      return reply(status, json);
    }
    const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(request.url ?? '');
    if (host !== 'fcm.googleapis.com' || request.method !== 'POST' || !send) {
      return reply(404, { error: { code: 404, message: `no ${request.method} ${host}${request.url}` } });
    }
    this.requests.push({
      host,
      method: request.method,
      path: request.url,
      headers: request.headers,
      body: JSON.parse(body) as SendRequest['body'],
    });
    if (request.headers.authorization !== `Bearer ${this.accessToken}`) {
      return reply(401, fcmError(401, 'UNAUTHENTICATED', 'THIRD_PARTY_AUTH_ERROR', 'missing credentials'));
    }
    const answer = this.#answers.shift() ?? 'ok';
    if (answer === 'ok') return reply(200, { name: `projects/${send[1]}/messages/${randomUUID()}` });
    if (answer === 'transient') {
      const { status, json } = TRANSIENT[this.#transients++ % TRANSIENT.length] as {
        status: number;
        json: unknown;
      };
      return reply(status, json);
    }
    if (answer === 'permanent') return reply(404, (PERMANENT as { json: unknown }).json);
    if (answer === 'reset') return void request.socket.destroy();
    if (answer === 'hang') {
      const hung = { closed: false };
      this.hung.push(hung);
      response.on('close', () => (hung.closed = true));
      return;
    }
    if ('text' in answer) {
      response.writeHead(answer.status, { 'content-type': 'text/html' });
      return void response.end(answer.text);
    }
    reply(answer.status, answer.json, answer.headers);
  }
}
