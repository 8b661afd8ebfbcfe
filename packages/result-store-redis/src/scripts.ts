import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The Lua scripts that make each write atomic. Records are built and validated in JavaScript by the same core
 * functions every store uses; the scripts only decide, inside Redis, whether a write still applies.
 *
 * They touch keys they compute (the claim named by another key), which standalone Redis allows and Redis
 * Cluster does not: this store is for a standalone server (or one behind Sentinel).
 */

/**
 * Creates a record, claiming an idempotency key first if one is given.
 * KEYS: task, claim (or '' for none), claimed-by. ARGV: record, ttl ms, task id, fingerprint, task key prefix.
 * Returns {'created'}, {'conflict'}, or {'claimed', other task id, its record, its fingerprint}.
 */
const CREATE = `
if KEYS[2] ~= '' then
  local claim = redis.call('HMGET', KEYS[2], 'task', 'fingerprint')
  if claim[1] then
    local existing = redis.call('GET', ARGV[5] .. claim[1])
    if existing then return {'claimed', claim[1], existing, claim[2] or ''} end
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'conflict'} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if KEYS[2] ~= '' then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'task', ARGV[3], 'fingerprint', ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  redis.call('SET', KEYS[3], KEYS[2], 'PX', ARGV[2])
end
return {'created'}
`;

/**
 * Replaces a record only if it is still exactly what the caller read (compare-and-set), gives the task's claim
 * the same TTL, and publishes the new record when asked to. A ttl of 'keep' keeps the record's own expiry (and
 * leaves the claim's alone).
 * KEYS: task, claimed-by. ARGV: '1' if a record was read ('0' if none), the text read, new record, ttl ms or
 * 'keep', task id, channel to publish on (or '').
 * Returns 1 when written, 0 when the record changed in between (read again and retry).
 */
const SWAP = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[4] == 'keep' then
  redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
local claim = ARGV[4] ~= 'keep' and redis.call('GET', KEYS[2])
if claim and redis.call('HGET', claim, 'task') == ARGV[5] then
  redis.call('PEXPIRE', claim, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[3]) end
return 1
`;

/**
 * Removes a task and the claim naming it (a claim since taken over by another task is left alone).
 * KEYS: task, claimed-by. ARGV: task id.
 */
const DELETE = `
local claim = redis.call('GET', KEYS[2])
if claim and redis.call('HGET', claim, 'task') == ARGV[1] then redis.call('DEL', claim) end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`;

/** A script run by its SHA1, sent in full only when the server does not have it (first use, after a restart). */
export class LuaScript {
  readonly #sha: string;

  constructor(readonly source: string) {
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

export const scripts = {
  create: new LuaScript(CREATE),
  swap: new LuaScript(SWAP),
  delete: new LuaScript(DELETE),
};
