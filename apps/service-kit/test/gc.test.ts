import { describe, expect, it } from 'vitest';
import { countBuffersInHeapLimit } from '../src/gc.js';

describe('countBuffersInHeapLimit', () => {
  it('sets the flag where V8 has it (13 and later)', () => {
    expect(countBuffersInHeapLimit('13.6.233.17-node.63')).toBe(true);
  });

  it('leaves an older V8 alone, which would complain about a flag it does not know', () => {
    expect(countBuffersInHeapLimit('12.4.254.21-node.33')).toBe(false);
  });
});
