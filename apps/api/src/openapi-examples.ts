// Example bodies for the OpenAPI document: real answers of the API (from the README's first request), so that
// the reference shows what a client really gets. `apps/api/test/openapi.test.ts` checks each against its schema.

const TASK = 'f34a3f8b-b556-40b6-a2e8-683cf17bb153';
const times = { created_at: '2026-12-01T10:15:02.114Z', completed_at: '2026-12-01T10:15:02.187Z' };

export interface ErrorExample {
  code: string;
  message: string;
}

export const errorExample = ({ code, message }: ErrorExample) => ({
  summary: code,
  value: { error: { code, message } },
});

const SUCCEEDED = {
  task_id: TASK,
  status: 'succeeded',
  result: {
    label: 'stop',
    confidence: 0.973,
    display: 'Pare',
    recognized: true,
    top_k: [
      { label: 'stop', confidence: 0.973, display: 'Pare' },
      { label: 'ahead_only', confidence: 0.006, display: 'Sentido obligatorio de frente' },
    ],
  },
  model: { name: 'traffic-signs', version: '1' },
  ...times,
};

export const EXAMPLES = {
  queued: { summary: 'queued', value: { task_id: TASK, status: 'queued' } },
  processing: { summary: 'processing', value: { task_id: TASK, status: 'processing' } },
  succeeded: { summary: 'succeeded (Accept-Language: es)', value: SUCCEEDED },
  notified: {
    summary: 'succeeded, and its webhook delivered on the third attempt',
    value: {
      ...SUCCEEDED,
      notification: { channel: 'webhook', attempts: 3, delivered_at: '2026-12-01T10:15:04.530Z' },
    },
  },
  webhook: {
    summary: 'task.ended, for a task that succeeded',
    value: {
      type: 'task.ended',
      timestamp: times.completed_at,
      data: {
        task_id: TASK,
        status: 'succeeded',
        result: {
          label: 'stop',
          confidence: 0.973,
          names: { en: 'Stop', es: 'Pare' },
          recognized: true,
          top_k: [{ label: 'stop', confidence: 0.973, names: { en: 'Stop', es: 'Pare' } }],
        },
        model: { name: 'traffic-signs', version: '1' },
        created_at: times.created_at,
        updated_at: times.completed_at,
        completed_at: times.completed_at,
      },
    },
  },
  failed: {
    summary: 'failed: the worker could not decode the image',
    value: {
      task_id: TASK,
      status: 'failed',
      error: {
        code: 'invalid_image',
        message: 'image could not be decoded (corrupt, truncated or unsupported data)',
      },
      ...times,
    },
  },
};

/** GET /model of the bundled model, its labels cut to three. */
export const MODEL_EXAMPLE = {
  summary: 'the bundled traffic-sign model (labels shortened)',
  value: {
    name: 'traffic-signs',
    version: '2',
    labels: [
      { id: 'stop', names: { en: 'Stop', es: 'Pare' } },
      { id: 'yield', names: { en: 'Yield', es: 'Ceda el paso' } },
      { id: 'no_sign', names: { en: 'No sign recognised', es: 'No se reconoce ninguna señal' } },
    ],
    none_label: { id: 'no_sign', names: { en: 'No sign recognised', es: 'No se reconoce ninguna señal' } },
    min_confidence: 0.5,
    input: { width: 160, height: 160, resize: 'fill' },
    upload: { short_side: 640, max_side: 2560, type: 'image/jpeg', quality: 90 },
  },
};
