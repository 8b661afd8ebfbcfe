import { memberConfig } from '../vitest.shared.js';

// The bundle test removes a full production install (onnxruntime-node, sharp) when it ends, which on a busy
// disk takes longer than the shared hook timeout.
export default memberConfig({ test: { hookTimeout: 180_000 } });
