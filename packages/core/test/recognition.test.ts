import { describe, expect, it } from 'vitest';
import { InvalidRequestError, PredictionSchema, recognize, type ScoredLabel } from '../src/index.js';

const top_k: ScoredLabel[] = [
  { label: 'stop', confidence: 0.31, names: { en: 'Stop', es: 'Pare' } },
  { label: 'yield', confidence: 0.2 },
];
const none = { id: 'no_sign', names: { en: 'No sign recognised', es: 'No se reconoce ninguna señal' } };

describe('recognize', () => {
  it('recognises a best guess at or over the floor, and keeps it as the answer', () => {
    expect(recognize({ top_k }, { minConfidence: 0.31 })).toEqual({ ...top_k[0], recognized: true, top_k });
    expect(recognize({ top_k }, {})).toMatchObject({ label: 'stop', recognized: true });
  });

  it('under the floor: the none label where the model has one, else the best guess, flagged', () => {
    expect(recognize({ top_k }, { minConfidence: 0.5 })).toEqual({ ...top_k[0], recognized: false, top_k });
    expect(recognize({ top_k }, { minConfidence: 0.5, noneLabel: none })).toEqual({
      label: 'no_sign',
      names: none.names,
      confidence: 0.31,
      recognized: false,
      top_k,
    });
  });

  it('a best guess that is the none label is never recognised', () => {
    const confident = [{ label: 'no_sign', confidence: 0.99 }];
    expect(recognize({ top_k: confident }, { noneLabel: none })).toMatchObject({
      label: 'no_sign',
      names: none.names,
      recognized: false,
    });
  });

  it("a floor given with the call replaces the model's; one outside 0–1 is an InvalidRequestError", () => {
    expect(recognize({ top_k }, { minConfidence: 0.9, noneLabel: none }, 0.3).recognized).toBe(true);
    for (const bad of [-0.01, 1.01, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => recognize({ top_k }, {}, bad)).toThrow(InvalidRequestError);
  });

  it('records written before `recognized` existed read as recognised', () => {
    expect(PredictionSchema.parse({ ...top_k[0], top_k }).recognized).toBe(true);
  });
});
