import { memberConfig } from '../../vitest.shared.js';

export default memberConfig();
