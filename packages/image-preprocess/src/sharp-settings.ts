import sharp from 'sharp';

export interface SharpSettings {
  /**
   * libvips' operation cache. It pays off when the same file is processed repeatedly; a service sees every
   * upload once, so the cache only holds memory. `false` turns it off.
   */
  cache?: boolean;
  /** libvips threads per image. sharp uses 1 on glibc without jemalloc, to limit allocator fragmentation. */
  concurrency?: number;
}

/**
 * Applies process-wide sharp settings. This package never changes them on import; an app calls this once at
 * start-up (see the README for the measured recommendation). Returns the settings in force afterwards.
 */
export function configureSharp(settings: SharpSettings): { cache: boolean; concurrency: number } {
  if (settings.cache !== undefined) sharp.cache(settings.cache);
  if (settings.concurrency !== undefined) sharp.concurrency(settings.concurrency);
  const { memory } = sharp.cache();
  return { cache: memory.max > 0, concurrency: sharp.concurrency() };
}
