/**
 * A canonical JSON form (object keys sorted) for comparing parsed configuration: two files mean
 * the same when their canonical forms are equal, whatever order their keys are in.
 */

/** JSON with every object's keys sorted, so equal data gives equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Map) v = Object.fromEntries(v);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return v;
  });
}
