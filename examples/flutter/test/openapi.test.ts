import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@visionq/core';
import { openApiDocument } from '../../../apps/api/src/openapi.js';
import { repoPath } from '@visionq/service-kit';

// Flutter cannot run here, so the Dart code is held to the API's OpenAPI document instead: every path, method,
// form field, JSON field, status value, status code and header it uses must be one the API documents.

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { required?: string[] } }> };
  responses: Record<string, { headers?: Record<string, unknown> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const doc = openApiDocument() as Document;
const client = readFileSync(repoPath('examples/flutter/lib/visionq_client.dart'), 'utf8');
const app = readFileSync(repoPath('examples/flutter/lib/main.dart'), 'utf8');
const notifications = readFileSync(repoPath('examples/flutter/lib/notifications.dart'), 'utf8');
const all = (source: string, pattern: RegExp) =>
  [...source.matchAll(pattern)].map((match) => match[1] as string);

/** Every property name and every string enum/const value in the response schemas. */
function vocabulary(): { fields: Set<string>; values: Set<string> } {
  const fields = new Set<string>();
  const values = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const schema = node as { properties?: Record<string, unknown>; enum?: unknown[]; const?: unknown };
    Object.keys(schema.properties ?? {}).forEach((key) => fields.add(key));
    for (const value of [...(schema.enum ?? []), schema.const])
      if (typeof value === 'string') values.add(value);
    Object.values(node).forEach(walk);
  };
  walk(doc.components.schemas);
  return { fields, values };
}

describe('examples/flutter agrees with /openapi.json', () => {
  const predict = doc.paths['/predict']?.post as Operation;
  const result = doc.paths['/result/{task_id}']?.get as Operation;
  const cancel = doc.paths['/result/{task_id}']?.delete as Operation;

  it('paths and methods: POST /predict (multipart), GET and DELETE /result/{task_id}', () => {
    expect(client).toMatch(/MultipartRequest\('POST', baseUrl\.resolve\('\/predict'\)\)/);
    expect(client).toMatch(/final path = '\/result\/\$\{Uri\.encodeComponent\(taskId\)\}';/);
    expect(client).toMatch(/http\.Request\('GET', baseUrl\.resolve\(path\)/);
    expect(client).toMatch(/http\.Request\('DELETE', baseUrl\.resolve\(path\)\)/);
    expect(cancel?.responses).toHaveProperty('204');
    const paths = all(client, /'(\/[^']*)'/g).map((path) => path.replace(/\$\{[^}]+\}/g, '{task_id}'));
    expect(new Set(paths)).toEqual(new Set(['/predict', '/result/{task_id}', '/model']));
    expect(client).toMatch(/http\.Request\('GET', baseUrl\.resolve\('\/model'\)\)/);
    expect(doc.paths['/model']?.get).toBeDefined();
    expect(predict).toBeDefined();
    expect(result).toBeDefined();
  });

  it('the upload goes in the multipart field the API requires', () => {
    const required = predict.requestBody?.content['multipart/form-data']?.schema.required;
    expect(all(client, /MultipartFile\.fromBytes\('([^']+)'/g)).toEqual(required);
  });

  it('every JSON field read is one the response schemas define, and the essential ones are read', () => {
    const { fields } = vocabulary();
    // Form fields sent (`request.fields[...]`) are checked by the next test.
    const read = new Set(all(client, /(?<!fields)\['([a-z_]+)'\]/g));
    expect([...read].filter((field) => !fields.has(field))).toEqual([]);
    for (const field of [
      'task_id',
      'status',
      'result',
      'top_k',
      'label',
      'confidence',
      'display',
      'recognized',
      'model',
    ]) {
      expect(read).toContain(field);
    }
    expect(read).toContain('code');
    expect(read).toContain('message');
    for (const field of ['upload', 'short_side', 'quality']) expect(read).toContain(field);
  });

  it('task statuses compared against are the documented ones', () => {
    const { values } = vocabulary();
    const compared = all(client, /\['status'\] == '([a-z_]+)'/g);
    expect(new Set(compared)).toEqual(new Set(['queued', 'processing', 'failed']));
    for (const status of compared) expect(values).toContain(status);
  });

  it('status codes handled are documented responses; Retry-After is read where the API sends it', () => {
    const handled = all(client, /case ([\d |]+?)(?: when [^:]+)?:/g).flatMap((group) =>
      group.split('||').map((code) => code.trim()),
    );
    expect(new Set(handled)).toEqual(new Set(['200', '202', '204', '401', '429', '503']));
    const documented = new Set(
      [predict, result, cancel].flatMap((operation) => Object.keys(operation.responses)),
    );
    for (const code of handled) expect(documented).toContain(code);
    expect(client).toContain("response.headers['retry-after']");
    for (const code of ['429', '503']) expect(predict.responses[code]?.headers).toHaveProperty('Retry-After');
    expect(result.responses['202']?.headers).toHaveProperty('Retry-After');
  });

  it('request headers and the wait parameter are documented', () => {
    const sent = all(client, /request\.headers\['([^']+)'\]/g).filter(
      (name) => !['Authorization', 'Accept'].includes(name),
    );
    const parameters = [...(predict.parameters ?? []), ...(result.parameters ?? [])];
    for (const name of sent) expect(parameters.map((p) => p.name)).toContain(name);
    expect(client).toContain("{'wait': '${wait.inSeconds}'}");
    for (const operation of [predict, result]) {
      expect(operation.parameters?.find((p) => p.name === 'wait')?.in).toBe('query');
    }
  });

  it('the error codes it documents are the API’s', () => {
    const comment = /((?:[ \t]*\/\/\/.*\n)+)[ \t]*final String code;/.exec(client)?.[1] ?? '';
    const listed = all(comment, /`([a-z_]+)`/g);
    expect(listed.length).toBeGreaterThan(5);
    for (const code of listed) expect(Object.values(ERROR_CODES)).toContain(code);
  });

  it('form fields sent are documented ones: the device token goes in fcm_token', () => {
    const properties = Object.keys(
      (predict.requestBody?.content['multipart/form-data']?.schema as { properties: object }).properties,
    );
    const sent = all(client, /request\.fields\['([^']+)'\]/g);
    expect(sent).toEqual(['fcm_token']);
    for (const field of sent) expect(properties).toContain(field);
  });

  it('the data message keys it reads are the ones the API says it sends; both handlers are wired', () => {
    const described = JSON.stringify(
      predict.parameters?.find((p) => p.name === 'X-Firebase-Messaging-Token'),
    );
    const read = all(notifications, /data\['([a-z_]+)'\]/g);
    expect(new Set(read)).toEqual(new Set(['task_id', 'status', 'label', 'label_name']));
    for (const key of read) expect(described).toContain(`\`${key}\``);
    expect(notifications).toContain('FirebaseMessaging.onMessage.listen');
    expect(notifications).toContain('FirebaseMessaging.onBackgroundMessage(onBackgroundTaskEnded)');
    expect(notifications).toMatch(/@pragma\('vm:entry-point'\)\nFuture<void> onBackgroundTaskEnded\(/);
    expect(notifications).toContain('requestPermission()');
    expect(notifications).toContain('getToken()');
    expect(app).toContain('TaskNotifications.registerBackgroundHandler();');
    expect(app).toMatch(/_client\.submit\(bytes, filename: picked\.name, fcmToken: fcmToken\)/);
    expect(app).toMatch(/_client\.prediction\(taskId\)/);
  });

  it('the app signs in against the emulator project the API’s local mode accepts', () => {
    expect(app).toContain("projectId: 'demo-visionq'");
    expect(app).toContain('getIdToken(forceRefresh)');
  });
});
