import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  HTTP_STATUS,
  InvalidCallbackError,
  InvalidImageError,
  RateLimitedError,
  UnavailableError,
  VisionqError,
  codeFromHTTPStatus,
  getHTTPStatusCode,
  isTransient,
  toVisionqError,
} from '../src/index.js';

describe('isTransient', () => {
  it('takes a VisionqError at its word and calls everything else transient', () => {
    expect(isTransient(new UnavailableError('down'))).toBe(true);
    expect(isTransient(new RateLimitedError(1))).toBe(true);
    expect(isTransient(new InvalidImageError('bad'))).toBe(false);
    expect(isTransient(new VisionqError('internal', 'x'))).toBe(false);
    expect(isTransient(new VisionqError('invalid_image', 'x', { transient: true }))).toBe(true);
    for (const unknown of [new Error('x'), new TypeError('x'), 'a string', undefined])
      expect(isTransient(unknown)).toBe(true);
  });

  it('gives the same answer before and after toVisionqError, so typing an error never changes its fate', () => {
    const thrown = [new Error('x'), 'a string', new UnavailableError('down'), new InvalidImageError('bad')];
    for (const value of thrown) expect(toVisionqError(value).transient).toBe(isTransient(value));
  });
});

describe('the HTTP status table', () => {
  it('gives every code a status and maps anything thrown through it', () => {
    for (const code of Object.values(ERROR_CODES)) {
      expect(getHTTPStatusCode(new VisionqError(code, 'x'))).toBe(HTTP_STATUS[code]);
    }
    expect(getHTTPStatusCode(new Error('x'))).toBe(500);
  });

  it('reads a status back to the code it stands for, and any other status to internal', () => {
    for (const code of Object.values(ERROR_CODES))
      expect(HTTP_STATUS[codeFromHTTPStatus(HTTP_STATUS[code])]).toBe(HTTP_STATUS[code]);
    expect(codeFromHTTPStatus(422)).toBe('invalid_image');
    expect(codeFromHTTPStatus(500)).toBe('internal');
    expect(codeFromHTTPStatus(502)).toBe('internal');
    expect(codeFromHTTPStatus(418)).toBe('internal');
  });
});

describe('InvalidCallbackError', () => {
  it('is a permanent 422 with its own code and a reason', () => {
    const error = new InvalidCallbackError('address_not_allowed', 'refused');
    expect(error).toMatchObject({
      code: 'invalid_callback',
      reason: 'address_not_allowed',
      transient: false,
    });
    expect(getHTTPStatusCode(error)).toBe(422);
    expect(isTransient(error)).toBe(false);
  });
});
