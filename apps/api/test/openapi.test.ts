import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { WebhookBodySchema } from '../src/http/schemas.js';
import { openApiDocument } from '../src/openapi.js';
import { repoPath } from '@visionq/service-kit';

// The OpenAPI document is for tools: a maintained linter passes it, and a TypeScript client generated from it
// has named, typed operations.

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'visionq-openapi-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const documentFile = join(work, 'openapi.json');
writeFileSync(documentFile, JSON.stringify(openApiDocument(), null, 2));

interface Operation {
  operationId?: string;
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, object> }>;
}
interface RequestBody {
  content: Record<string, { examples: Record<string, { value: unknown }> }>;
}
const doc = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));

describe('the OpenAPI document', () => {
  it('passes `redocly lint` (recommended-strict, an example for every response body): no error, no warning', async () => {
    const bin = repoPath('apps/api/node_modules/.bin/redocly');
    const result = await run(
      bin,
      ['lint', documentFile, '--config', repoPath('apps/api/redocly.yaml'), '--format=json'],
      {
        // No usage report and no update check: nothing leaves the machine.
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' },
        maxBuffer: 16 * 1024 * 1024,
      },
    ).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(result.stdout) as {
      totals: object;
      problems: { ruleId: string; message: string }[];
    };
    expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 120_000);

  it('names every operation, and every JSON response shows an example', () => {
    expect(operations.map((operation) => operation.operationId)).toEqual([
      'submitImage',
      'getResult',
      'cancelTask',
      'getModel',
      'getHealth',
      'getReadiness',
      'getOpenApiDocument',
    ]);
    for (const operation of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(response.headers, `${operation.operationId} ${status}`).toHaveProperty('X-Request-Id');
        for (const media of Object.values(response.content ?? {})) {
          expect(Object.keys(media), `${operation.operationId} ${status}`).toEqual(
            expect.arrayContaining([expect.stringMatching(/^examples?$/)]),
          );
        }
      }
    }
  });

  it('describes the webhook a callback_url receives: Standard Webhooks headers, and a body its schema accepts', () => {
    const { webhooks } = openApiDocument() as {
      webhooks: Record<string, { post: { parameters: { name: string }[]; requestBody: RequestBody } }>;
    };
    const { post } = webhooks.taskEnded ?? expect.unreachable('no taskEnded webhook');
    expect(post.parameters.map((parameter) => parameter.name)).toEqual([
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
    ]);
    const example = post.requestBody.content['application/json']?.examples.succeeded?.value;
    expect(WebhookBodySchema.parse(example).data.status).toBe('succeeded');
  });

  it('generates a TypeScript client (openapi-typescript) whose operations are named and typed', async () => {
    const source = astToString(await openapiTS(openApiDocument() as Parameters<typeof openapiTS>[0]));
    expect(source).not.toContain('operations = Record<string, never>');
    writeFileSync(join(work, 'api.ts'), source);
    // Compiles only if the operations, their parameters and their bodies have the types a client expects; each
    // expect-error directive fails the compilation if the mistake below it were accepted.
    writeFileSync(
      join(work, 'usage.ts'),
      `import type { operations, paths } from './api.js';
type Submit = operations['submitImage'];
type Result = operations['getResult'];
export const accepted: Submit['responses'][202]['content']['application/json'] = { task_id: 'id', status: 'queued' };
export const location: Submit['responses'][202]['headers']['Location'] = '/result/id';
export const query: NonNullable<Submit['parameters']['query']> = { wait: 5 };
export const language: NonNullable<Submit['parameters']['header']>['Accept-Language'] = 'es';
export const hook: NonNullable<Submit['parameters']['query']> = { callback_url: 'https://hooks.example.com/a' };
export const device: NonNullable<Submit['parameters']['header']>['X-Firebase-Messaging-Token'] = 'token';
export const attempts = (body: Ended) => body.notification?.attempts;
export const path: Result['parameters']['path'] = { task_id: 'id' };
type Ended = Result['responses'][200]['content']['application/json'];
export const label = (body: Ended) => (body.status === 'succeeded' ? body.result.top_k[0]?.display : body.error.code);
export const code: Result['responses'][404]['content']['application/json']['error']['code'] = 'not_found';
export const same: paths['/result/{task_id}']['get'] = {} as Result;
// @ts-expect-error: no such operation
export type Missing = operations['classify'];
// @ts-expect-error: not a status the API has
export const wrong: Submit['responses'][202]['content']['application/json'] = { task_id: 'id', status: 'done' };
// @ts-expect-error: task_id is required
export const missingPath: Result['parameters']['path'] = {};
`,
    );
    const tsc = repoPath('node_modules/.bin/tsc');
    const args = [
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
    ];
    const result = await run(tsc, [...args, join(work, 'usage.ts')]).catch(
      (error: { stdout: string; code: number }) => error,
    );
    expect(result.stdout).toBe('');
  }, 120_000);
});
