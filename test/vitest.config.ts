import { memberConfig } from '../vitest.shared.js';

// This member's tests sit at its root (the repository's test/ folder), not in a test/ folder of their own.
export default memberConfig({ test: { include: ['*.test.ts'] } });
