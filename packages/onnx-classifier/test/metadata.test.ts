import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidModelError } from '@visionq/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelMetadata, metadataPathFor, parseModelMetadata } from '../src/index.js';
import { fixture } from './models.js';

const minimal = {
  name: 'm',
  version: '1',
  labels: ['a', { id: 'b', names: { en: 'Bee', es: 'Abeja' } }],
  preprocess: { width: 8, height: 8 },
  output: { kind: 'logits' },
};

describe('model metadata', () => {
  const dir = mkdtemp(join(tmpdir(), 'visionq-metadata-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('accepts the documented example and fills defaults', () => {
    const metadata = parseModelMetadata({ ...minimal, version: 2, ignored: 'model card notes' });
    expect(metadata.labels).toEqual([{ id: 'a' }, { id: 'b', names: { en: 'Bee', es: 'Abeja' } }]);
    expect(metadata.version).toBe('2');
    expect(metadata.topK).toBe(5);
    expect(metadata.preprocess.layout).toBe('NCHW');
    expect(metadata).not.toHaveProperty('ignored');
  });

  it('takes a none label among the labels with its display names, or one of its own, and a floor', () => {
    const listed = parseModelMetadata({ ...minimal, noneLabel: 'b', minConfidence: 0.4 });
    expect(listed.noneLabel).toEqual({ id: 'b', names: { en: 'Bee', es: 'Abeja' } });
    expect(listed.minConfidence).toBe(0.4);
    const own = parseModelMetadata({ ...minimal, noneLabel: { id: 'none', names: { en: 'Nothing' } } });
    expect(own.noneLabel).toEqual({ id: 'none', names: { en: 'Nothing' } });
    expect(own.minConfidence).toBeUndefined();
    expect(parseModelMetadata(minimal)).not.toHaveProperty('noneLabel');
  });

  it.each([
    [{ ...minimal, minConfidence: 1.2 }, /minConfidence/],
    [{ ...minimal, noneLabel: '' }, /noneLabel/],
    [{ ...minimal, labels: ['only'] }, /labels/],
    [{ ...minimal, labels: ['a', 'a'] }, /duplicate label id "a"/],
    [{ ...minimal, output: { kind: 'softmax' } }, /output\.kind/],
    [{ ...minimal, output: undefined }, /output/],
    [{ ...minimal, preprocess: { width: 8 } }, /preprocess\.height/],
    [{ ...minimal, preprocess: { width: 8, height: 8, resize: 'crop' } }, /preprocess\.resize/],
    [{ ...minimal, name: '' }, /name/],
  ])('refuses bad metadata with InvalidModelError naming the field (%#)', (json, message) => {
    const attempt = () => parseModelMetadata(json);
    expect(attempt).toThrow(InvalidModelError);
    expect(attempt).toThrow(message);
  });

  it('finds the metadata beside the model', () => {
    expect(metadataPathFor('/m/traffic-signs.onnx')).toBe('/m/traffic-signs.json');
    expect(metadataPathFor('/m/model.ONNX')).toBe('/m/model.json');
    expect(metadataPathFor('/m/model')).toBe('/m/model.json');
  });

  it('loads the fixtures', async () => {
    const metadata = await loadModelMetadata(metadataPathFor(fixture('squeezenet')));
    expect(metadata.labels).toHaveLength(10);
    expect(metadata.input).toBeUndefined();
  });

  it('names the file when it is missing, not JSON, or invalid', async () => {
    const base = await dir;
    await expect(loadModelMetadata(join(base, 'missing.json'))).rejects.toThrow(
      /cannot read model metadata .*missing\.json/,
    );
    await writeFile(join(base, 'broken.json'), '{ "name": ');
    await expect(loadModelMetadata(join(base, 'broken.json'))).rejects.toThrow(/broken\.json is not JSON/);
    await writeFile(join(base, 'invalid.json'), JSON.stringify({ ...minimal, labels: 'a,b' }));
    const error = await loadModelMetadata(join(base, 'invalid.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidModelError);
    expect((error as Error).message).toMatch(/invalid\.json is invalid[\s\S]*labels/);
  });
});
