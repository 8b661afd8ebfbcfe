/** Something that keeps a buffer it was handed, and says when it lets go (e.g. a queue holding an upload). */
export interface BufferHolder {
  /** `bytes` (or a view of the same memory) will be read later: it must not be reused until `release`. */
  retain(bytes: Uint8Array): void;
  /** Ends one `retain` (or the `acquire` that produced the buffer). */
  release(bytes: Uint8Array): void;
}
