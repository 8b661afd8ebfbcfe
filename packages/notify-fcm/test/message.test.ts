import { describe, expect, it } from 'vitest';
import { failed, succeeded } from '@visionq/core/testing';
import { dataOf, displayName } from '../src/index.js';
import { notificationFor } from './support/notification.js';

describe('displayName', () => {
  const names = { en: 'Stop', es: 'Pare', 'pt-BR': 'Pare (BR)' };
  it.each([
    ['es', 'Pare'],
    ['ES', 'Pare'],
    ['es-MX', 'Pare'],
    ['pt-br', 'Pare (BR)'],
    ['fr', 'Stop'],
    [undefined, 'Stop'],
  ])('in %s: %s', (language, expected) => {
    expect(displayName('stop', names, language)).toBe(expected);
  });

  it('falls back to the label id when there is neither that language nor English', () => {
    expect(displayName('stop', { de: 'Halt' }, 'fr')).toBe('stop');
    expect(displayName('stop', undefined, 'fr')).toBe('stop');
  });
});

describe('dataOf', () => {
  it('says whether the answer was recognised, as strings', () => {
    const unsure = succeeded('no_sign', 0.31);
    if (unsure.status === 'succeeded') unsure.result.recognized = false;
    expect(dataOf(notificationFor('t', unsure))).toMatchObject({
      label: 'no_sign',
      label_name: 'no_sign',
      confidence: '0.31',
      recognized: 'false',
    });
  });

  it('tells a cancelled task by its status alone', () => {
    const sent = notificationFor('t', 'cancelled');
    expect(dataOf(sent)).toEqual({
      notification_id: sent.id,
      task_id: sent.record.task_id,
      status: 'cancelled',
    });
  });

  it('never carries the owner, the token or the error’s message', () => {
    const sent = notificationFor('secret-token', failed('too_large'));
    const text = JSON.stringify(dataOf(sent));
    expect(text).not.toContain('alice');
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('could not be decoded');
  });
});
