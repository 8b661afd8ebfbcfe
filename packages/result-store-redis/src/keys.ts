import { createHash } from 'node:crypto';

/**
 * Where everything lives, under one prefix:
 * - `<prefix>task:<task id>`: the record, JSON (a plain string, so any tool can read it);
 * - `<prefix>claim:<hash>`: an idempotency claim (hash: `task`, `fingerprint`), one per owner and key;
 * - `<prefix>claimed-by:<task id>`: the name of the claim a task holds, so that `delete` and the TTL updates
 *   find it;
 * - channel `<prefix>done:<task id>`: the record, published once when the task ends.
 */
export class KeyLayout {
  constructor(readonly prefix: string) {}

  task(taskId: string): string {
    return `${this.prefix}task:${taskId}`;
  }

  /** Hashed: owners and keys are caller-chosen text of any length, and a hash keeps key names short and uniform. */
  claim(owner: string, key: string): string {
    const digest = createHash('sha256')
      .update(JSON.stringify([owner, key]))
      .digest('base64url');
    return `${this.prefix}claim:${digest}`;
  }

  claimedBy(taskId: string): string {
    return `${this.prefix}claimed-by:${taskId}`;
  }

  done(taskId: string): string {
    return `${this.prefix}done:${taskId}`;
  }

  /** The task id a `done` channel is named after, or undefined for a channel that is not one. */
  taskOfDone(channel: string): string | undefined {
    const head = `${this.prefix}done:`;
    return channel.startsWith(head) ? channel.slice(head.length) : undefined;
  }
}
