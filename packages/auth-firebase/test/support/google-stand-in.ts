import type { Agent } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPublicKey, randomUUID } from 'node:crypto';
import {
  answerTokenRequest,
  readBody,
  startHttpsStandIn,
  type HttpsStandIn,
} from '@visionq/test-support/google';
import type { SigningKey } from './keys.js';

/** What the stand-in says about one user when firebase-admin looks it up (the revocation check). */
export interface StandInUser {
  disabled?: boolean;
  /** Tokens authenticated before this time (seconds since the epoch) are revoked. */
  validSince?: number;
}

const HOSTS = [
  'www.googleapis.com',
  'oauth2.googleapis.com',
  'identitytoolkit.googleapis.com',
  'firebaseappcheck.googleapis.com',
];
const CERTS_PATH = '/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com';

/**
 * A local HTTPS stand-in for the Google endpoints firebase-admin uses to verify ID tokens: the securetoken
 * certificates, the OAuth2 token endpoint (for the service account) and Identity Toolkit's accounts:lookup; and
 * App Check's JWKS, for App Check tokens.
 * Its TLS certificate names the real host names and is made at run time; `agent` trusts it and sends every
 * connection here, whatever host the request names. Nothing leaves the machine.
 */
export class GoogleStandIn {
  readonly requests = { certs: 0, token: 0, lookup: 0, jwks: 0, other: 0 };
  /** The keys published at App Check's JWKS endpoint. */
  appCheckKeys: SigningKey[] = [];
  jwksStatus = 200;
  readonly users = new Map<string, StandInUser>();
  /** The keys published at the certificates endpoint. */
  published: SigningKey[] = [];
  certsStatus = 200;
  maxAgeSeconds = 21_600;
  readonly accessToken = `stand-in-${randomUUID()}`;
  serviceAccountPublicKeyPem: string | undefined;
  #https!: HttpsStandIn;

  private constructor() {}

  get agent(): Agent {
    return this.#https.agent;
  }

  static async start(): Promise<GoogleStandIn> {
    const standIn = new GoogleStandIn();
    standIn.#https = await startHttpsStandIn(
      HOSTS,
      (request, response) => void standIn.#handle(request, response),
    );
    return standIn;
  }

  close(): Promise<void> {
    return this.#https.close();
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const host = request.headers.host?.split(':')[0];
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(JSON.stringify(value));
    };
    if (host === 'www.googleapis.com' && request.method === 'GET' && request.url === CERTS_PATH) {
      this.requests.certs += 1;
      if (this.certsStatus !== 200) return json(this.certsStatus, { error: 'stand-in failure' });
      const certs = Object.fromEntries(this.published.map((key) => [key.kid, key.certificatePem]));
      return json(200, certs, {
        'cache-control': `public, max-age=${this.maxAgeSeconds}, must-revalidate, no-transform`,
      });
    }
    if (host === 'oauth2.googleapis.com' && request.method === 'POST' && request.url === '/token') {
      this.requests.token += 1;
      const answer = answerTokenRequest(body, this.serviceAccountPublicKeyPem, this.accessToken);
      return json(answer.status, answer.json);
    }
    if (
      host === 'firebaseappcheck.googleapis.com' &&
      request.method === 'GET' &&
      request.url === '/v1/jwks'
    ) {
      this.requests.jwks += 1;
      if (this.jwksStatus !== 200) return json(this.jwksStatus, { error: 'stand-in failure' });
      const keys = this.appCheckKeys.map((key) => ({
        ...createPublicKey(key.privateKey).export({ format: 'jwk' }),
        kid: key.kid,
        alg: 'RS256',
        use: 'sig',
      }));
      return json(200, { keys }, { 'cache-control': 'public, max-age=21600' });
    }
    const lookup = /^\/v1\/projects\/[^/]+\/accounts:lookup$/.exec(request.url ?? '');
    if (host === 'identitytoolkit.googleapis.com' && request.method === 'POST' && lookup) {
      this.requests.lookup += 1;
      if (request.headers.authorization !== `Bearer ${this.accessToken}`) {
        return json(401, { error: { code: 401, message: 'UNAUTHENTICATED' } });
      }
      const { localId = [] } = JSON.parse(body) as { localId?: string[] };
      const users = localId.flatMap((uid) => {
        const user = this.users.get(uid);
        if (!user) return [];
        return [{ localId: uid, disabled: user.disabled ?? false, validSince: String(user.validSince ?? 0) }];
      });
      return json(200, users.length > 0 ? { kind: 'identitytoolkit#GetAccountInfoResponse', users } : {});
    }
    this.requests.other += 1;
    json(404, { error: { code: 404, message: `stand-in has no ${request.method} ${host}${request.url}` } });
  }
}
