import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, bundledModelPath } from '@visionq/service-kit';
import { loadServedModel } from '../src/model.js';
import { MODEL_EXAMPLE } from '../src/openapi-examples.js';
import { ErrorBodySchema, ModelBodySchema } from '../src/http/schemas.js';
import { testServices } from './support.js';

const service = testServices();
const work = mkdtempSync(join(tmpdir(), 'visionq-model-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bundled = JSON.parse(readFileSync(bundledModelPath().replace(/\.onnx$/, '.json'), 'utf8')) as {
  name: string;
  version: string;
  labels: { id: string; names: Record<string, string> }[];
  preprocess: { width: number; height: number; resize: string };
};

describe('GET /model', () => {
  it('describes the bundled model from its metadata: labels, none label, floor, input, the upload to send', async () => {
    const { body } = await loadServedModel(bundledModelPath());
    expect(ModelBodySchema.parse(body)).toEqual(body);
    expect(body).toMatchObject({ name: bundled.name, version: bundled.version, min_confidence: 0.5 });
    expect(body.labels).toEqual(bundled.labels);
    expect(body.none_label).toEqual(bundled.labels.find((label) => label.id === 'no_sign'));
    expect(body.input).toEqual({
      width: bundled.preprocess.width,
      height: bundled.preprocess.height,
      resize: bundled.preprocess.resize,
    });
    const side = 4 * Math.max(bundled.preprocess.width, bundled.preprocess.height);
    expect(body.upload).toEqual({ short_side: side, max_side: 4 * side, type: 'image/jpeg', quality: 90 });
  });

  it('answers without a token, cacheable, and 304 to its own ETag', async () => {
    const model = await loadServedModel(bundledModelPath());
    const { app } = await service({ model });
    const first = await request(app).get('/model');
    expect(first.status).toBe(200);
    expect(first.body).toEqual(model.body);
    expect(first.headers['cache-control']).toBe('public, max-age=300');
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    const again = await request(app)
      .get('/model')
      .set('If-None-Match', first.headers.etag as string);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect((await request(app).get('/model').set('If-None-Match', '"other"')).status).toBe(200);
  });

  it('another model, another ETag; a bare label list and a number version are read as the classifier reads them', async () => {
    const path = join(work, 'tiny.onnx');
    writeFileSync(
      join(work, 'tiny.json'),
      JSON.stringify({
        name: 'tiny',
        version: 3,
        labels: ['cat', 'dog'],
        preprocess: { width: 224, height: 160, resize: 'contain' },
        output: { kind: 'logits' },
      }),
    );
    const tiny = await loadServedModel(path);
    expect(tiny.body).toEqual({
      name: 'tiny',
      version: '3',
      labels: [{ id: 'cat' }, { id: 'dog' }],
      min_confidence: 0,
      input: { width: 224, height: 160, resize: 'contain' },
      upload: { short_side: 896, max_side: 896, type: 'image/jpeg', quality: 90 },
    });
    expect(tiny.etag).not.toBe((await loadServedModel(bundledModelPath())).etag);
  });

  it('metadata that is missing or invalid stops the start-up with an error naming MODEL_PATH', async () => {
    await expect(loadServedModel(join(work, 'absent.onnx'))).rejects.toThrow(ConfigError);
    await expect(loadServedModel(join(work, 'absent.onnx'))).rejects.toThrow(/MODEL_PATH: cannot read/);
    writeFileSync(join(work, 'bad.json'), JSON.stringify({ name: 'bad', labels: ['one'] }));
    await expect(loadServedModel(join(work, 'bad.onnx'))).rejects.toThrow(/MODEL_PATH: .*invalid/s);
  });

  it('without a model to describe: 404 with the usual error body', async () => {
    const { app } = await service();
    const res = await request(app).get('/model');
    expect(res.status).toBe(404);
    expect(ErrorBodySchema.parse(res.body).error.code).toBe('not_found');
  });

  it("the OpenAPI document's example is a valid body", () => {
    expect(ModelBodySchema.parse(MODEL_EXAMPLE.value)).toEqual(MODEL_EXAMPLE.value);
  });
});
