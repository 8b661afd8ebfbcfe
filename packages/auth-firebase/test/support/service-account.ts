export { writeServiceAccountKey } from '@visionq/test-support/google';
