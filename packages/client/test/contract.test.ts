import { describe, expect, expectTypeOf, it } from 'vitest';
import { ERROR_CODES, HTTP_STATUS, VisionqError, isTransient } from '@visionq/core';
import type {
  FailedBody,
  ModelBody,
  PendingBody,
  SucceededBody,
} from '../../../apps/api/src/http/schemas.js';
import type { FailedTask, ModelDescription, PendingTask, SucceededTask } from '../src/index.js';
import { errorFromResponse } from '../src/errors.js';

// The client writes the API's bodies out by hand (no schema library in browsers); these keep them in step.
describe('the client agrees with the API', () => {
  it('its body types and the API’s response types are assignable both ways (checked by tsc)', () => {
    expectTypeOf<PendingTask>().toExtend<PendingBody>();
    expectTypeOf<PendingBody>().toExtend<PendingTask>();
    expectTypeOf<SucceededTask>().toExtend<SucceededBody>();
    expectTypeOf<SucceededBody>().toExtend<SucceededTask>();
    expectTypeOf<FailedTask>().toExtend<FailedBody>();
    expectTypeOf<FailedBody>().toExtend<FailedTask>();
    expectTypeOf<ModelDescription>().toExtend<ModelBody>();
    expectTypeOf<ModelBody>().toExtend<ModelDescription>();
  });

  it('every code the API sends comes back as that code, with its status', () => {
    for (const code of Object.values(ERROR_CODES)) {
      const status = HTTP_STATUS[code];
      const error = errorFromResponse(status, { error: { code, message: 'm' } }, undefined);
      expect(error).toBeInstanceOf(VisionqError);
      expect(error).toMatchObject({ code, status, message: 'm' });
      expect(isTransient(error)).toBe(new VisionqError(code, 'm').transient);
    }
  });

  it('a body without a known code gets a code the API uses for that status', () => {
    for (const status of [400, 401, 404, 413, 415, 422, 429, 503, 500, 502]) {
      const { code } = errorFromResponse(status, { error: { code: 'from_the_future' } }, undefined);
      expect([status, 500]).toContain(HTTP_STATUS[code]);
    }
  });
});
