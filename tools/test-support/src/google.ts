import { once } from 'node:events';
import { createPublicKey, generateKeyPairSync, randomUUID, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener } from 'node:http';
import { Agent, createServer, type AgentOptions, type RequestOptions } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import forge from 'node-forge';

// Pieces of the local stand-ins for Google's endpoints that firebase-admin talks to (token verification in
// auth-firebase, Cloud Messaging in notify-fcm): everything is made at run time and nothing leaves the machine.

export interface CertifiedKey {
  kid: string;
  privateKey: KeyObject;
  /** PEM of a self-signed X.509 certificate for the key (a CA when it names hosts, so TLS clients can trust it). */
  certificatePem: string;
}

/** A fresh RSA key and its self-signed certificate, naming `altNames` (host names or IP addresses) when given. */
export function makeCertifiedKey(commonName: string, altNames: readonly string[] = []): CertifiedKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(
    publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  certificate.serialNumber = `01${randomUUID().replaceAll('-', '')}`;
  certificate.validity.notBefore = new Date(Date.now() - 86_400_000);
  certificate.validity.notAfter = new Date(Date.now() + 7 * 86_400_000);
  const subject = [{ name: 'commonName', value: commonName }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  if (altNames.length > 0) {
    certificate.setExtensions([
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: altNames.map((value) => (isIP(value) ? { type: 7, ip: value } : { type: 2, value })),
      },
    ]);
  }
  const forgeKey = forge.pki.privateKeyFromPem(
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  certificate.sign(forgeKey, forge.md.sha256.create());
  return {
    kid: randomUUID().replaceAll('-', ''),
    privateKey,
    certificatePem: forge.pki.certificateToPem(certificate),
  };
}

export interface HttpsStandIn {
  /** Trusts the stand-in's certificate and sends every connection to it, whatever host a request names. */
  agent: Agent;
  close(): Promise<void>;
}

/** An HTTPS server on loopback whose certificate names `hosts`, and the agent that reaches it in their stead. */
export async function startHttpsStandIn(
  hosts: readonly string[],
  handler: RequestListener,
): Promise<HttpsStandIn> {
  const tls = makeCertifiedKey('googleapis stand-in', hosts);
  const server = createServer(
    { key: tls.privateKey.export({ type: 'pkcs8', format: 'pem' }), cert: tls.certificatePem },
    handler,
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const agent = new RedirectingAgent(port, { ca: tls.certificatePem, keepAlive: true });
  return {
    agent,
    async close() {
      agent.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Sends every connection to the stand-in, keeping the requested host name for TLS (SNI and verification). */
class RedirectingAgent extends Agent {
  constructor(
    private readonly port: number,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void) {
    const servername = options.servername ?? options.hostname ?? options.host ?? undefined;
    return super.createConnection({ ...options, host: '127.0.0.1', port: this.port, servername }, callback);
  }
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes a service-account key file made at run time; returns its path, its public key, and a remover. */
export function writeServiceAccountKey(projectId: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'visionq-sa-'));
  const keyFile = join(dir, 'firebase-key.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomUUID().replaceAll('-', ''),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: `firebase-adminsdk@${projectId}.iam.gserviceaccount.com`,
      client_id: '1',
      token_uri: 'https://oauth2.googleapis.com/token',
    }),
    { mode: 0o600 },
  );
  return {
    keyFile,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Google's OAuth2 token endpoint (`POST https://oauth2.googleapis.com/token`) for one service account: the
 * JWT-bearer grant in `body` must be signed by the account's key. Answers with `accessToken`, or `invalid_grant`.
 */
export function answerTokenRequest(
  body: string,
  serviceAccountPublicKeyPem: string | undefined,
  accessToken: string,
): { status: number; json: unknown } {
  const [header, payload, signature] = (new URLSearchParams(body).get('assertion') ?? '').split('.');
  const signed =
    serviceAccountPublicKeyPem !== undefined &&
    header !== undefined &&
    payload !== undefined &&
    signature !== undefined &&
    verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      createPublicKey(serviceAccountPublicKeyPem),
      Buffer.from(signature, 'base64url'),
    );
  return signed
    ? { status: 200, json: { access_token: accessToken, expires_in: 3600, token_type: 'Bearer' } }
    : { status: 400, json: { error: 'invalid_grant' } };
}
