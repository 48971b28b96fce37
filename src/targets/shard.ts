/**
 * `--shard I/N`: split a fleet between N runs (the pods of an Indexed Job, CI jobs), stable by
 * target name: a target's shard is sha256(name) mod N, so it lands in the same shard whatever
 * else the inventory holds and in whatever order. I is 1-based (1..N); `auto/N` (or `/N`) takes
 * I from JOB_COMPLETION_INDEX, the 0-based index Kubernetes gives each pod of an Indexed Job.
 */
import {createHash} from 'node:crypto';
import {UsageError} from '../errors.js';

/** One shard of N: `index` is 1-based. */
export interface Shard {
  index: number;
  count: number;
}

/** More shards than this is a typo, not a fleet layout. */
export const MAX_SHARDS = 10_000;

const HINT = '--shard I/N with 1 <= I <= N (e.g. --shard 2/3), or --shard auto/N inside an Indexed Job (reads JOB_COMPLETION_INDEX)';

const whole = (s: string): number | null => (/^(0|[1-9]\d{0,5})$/.test(s) ? Number(s) : null);

/** The `--shard` value (absent: no sharding); a malformed one is a usage error. */
export function parseShard(value: unknown, env: NodeJS.ProcessEnv = process.env): Shard | null {
  if (value === undefined) return null;
  const text = String(value).trim();
  const m = /^([^/]*)\/([^/]*)$/.exec(text);
  if (!m) throw new UsageError(`--shard ${text}: expected I/N`, HINT);
  const count = whole(m[2]!);
  if (count === null || count < 1 || count > MAX_SHARDS) throw new UsageError(`--shard ${text}: N must be a whole number from 1 to ${MAX_SHARDS}`, HINT);
  let index: number | null;
  if (m[1] === '' || m[1] === 'auto') {
    const raw = env['JOB_COMPLETION_INDEX'];
    if (raw === undefined || raw.trim() === '') {
      throw new UsageError(`--shard ${text}: JOB_COMPLETION_INDEX is not set`, 'give the shard number yourself (--shard I/N), or run inside an Indexed Job');
    }
    const zero = whole(raw.trim());
    if (zero === null) throw new UsageError(`--shard ${text}: JOB_COMPLETION_INDEX=${raw} is not a whole number`, HINT);
    index = zero + 1;
  } else {
    index = whole(m[1]!);
    if (index === null) throw new UsageError(`--shard ${text}: I must be a whole number (or auto)`, HINT);
  }
  if (index < 1 || index > count) throw new UsageError(`--shard ${text}: shard ${index} of ${count} does not exist (shards are numbered 1 to ${count})`, HINT);
  return {index, count};
}

/** The 1-based shard a target name belongs to out of `count`: sha256 of the name, first 8 bytes, mod count. */
export function shardOf(name: string, count: number): number {
  const digest = createHash('sha256').update(name, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count)) + 1;
}

/**
 * The items of one shard, each with its position in the whole list (so shards' reports can be
 * merged back into the order a single run gives). No shard: every item.
 */
export function selectShard<T extends {name: string}>(items: readonly T[], shard: Shard | null): {item: T; index: number}[] {
  const all = items.map((item, index) => ({item, index}));
  return shard === null ? all : all.filter((x) => shardOf(x.item.name, shard.count) === shard.index);
}

/** `2/3`: how a shard is written. */
export const formatShard = (s: Shard): string => `${s.index}/${s.count}`;
