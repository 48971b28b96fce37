/**
 * A bounded worker pool: every item is handed to `fn` exactly once, in input order of start, with
 * at most `limit` running at once. The fleet runs (check, runbook, diff) share it.
 */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i]!, i);
  };
  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker));
}
