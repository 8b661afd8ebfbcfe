import { UnavailableError } from '@visionq/core';

export interface UploadBudgetOptions {
  /** Bytes of uploads being received at once, all users together. */
  totalBytes: number;
  /** Bytes of one uid's uploads being received at once. */
  perUidBytes: number;
}

export interface UploadBudget {
  /**
   * Reserves `bytes` for an upload of `uid` about to be read; returns the release, to call once the upload is
   * done with (answered, or its connection gone). Throws `UnavailableError` (503 with `Retry-After`) when the reservation would exceed
   * the total or the uid's share, before a byte of the body is read.
   */
  reserve(uid: string, bytes: number): () => void;
  /** Bytes reserved now, all uids together. */
  readonly inFlight: number;
}

/**
 * 128 MiB in all (a dozen uploads at the 10 MiB limit, a quarter of the API's 512 MiB in deploy/), 32 MiB per
 * uid (three at the limit, or eight phone photos at once).
 */
export const DEFAULT_UPLOAD_BUDGET: UploadBudgetOptions = {
  totalBytes: 128 * 2 ** 20,
  perUidBytes: 32 * 2 ** 20,
};

/**
 * Bounds the memory that uploads being received can hold, so that slow or stalled uploads (each holding a
 * buffer up to `MAX_UPLOAD_BYTES` until it ends or times out) cannot take the API past its memory limit, nor one
 * uid take the whole of it.
 */
export function createUploadBudget(options: UploadBudgetOptions): UploadBudget {
  const { totalBytes, perUidBytes } = options;
  let inFlight = 0;
  const byUid = new Map<string, number>();
  return {
    get inFlight() {
      return inFlight;
    },
    reserve(uid, bytes) {
      const mine = byUid.get(uid) ?? 0;
      if (inFlight + bytes > totalBytes || mine + bytes > perUidBytes)
        throw new UnavailableError('too many uploads in progress, retry later');
      inFlight += bytes;
      byUid.set(uid, mine + bytes);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= bytes;
        const left = (byUid.get(uid) ?? bytes) - bytes;
        if (left > 0) byUid.set(uid, left);
        else byUid.delete(uid);
      };
    },
  };
}
