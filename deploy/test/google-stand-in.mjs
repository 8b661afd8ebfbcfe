// Google's securetoken certificates endpoint, the one address firebase-admin fetches to verify ID tokens, served
// over HTTPS from a container that answers as www.googleapis.com on a test's container network. The TLS
// certificate, the published signing certificates and this file are made or copied by deploy/test/firebase.ts.
//
//   node google-stand-in.mjs FOLDER    (FOLDER/googleapis.key, googleapis.pem, securetoken.json)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';

const dir = process.argv[2] ?? '/config';
const CERTS_PATH = '/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com';
const certs = readFileSync(join(dir, 'securetoken.json'));

createServer(
  { key: readFileSync(join(dir, 'googleapis.key')), cert: readFileSync(join(dir, 'googleapis.pem')) },
  (request, response) => {
    console.log(JSON.stringify({ method: request.method, url: request.url }));
    if (request.method === 'GET' && request.url === CERTS_PATH) {
      response.writeHead(200, {
        'content-type': 'application/json; charset=UTF-8',
        'cache-control': 'public, max-age=21600, must-revalidate, no-transform',
      });
      response.end(certs);
    } else {
      response.writeHead(404).end();
    }
  },
).listen(443, () => console.log('listening'));
// PID 1 in its container: Node's default SIGTERM action does not apply there, so stop explicitly.
process.once('SIGTERM', () => process.exit(0));
