/**
 * The `--output` formats: a module of its own so the CLI can validate the option before it
 * loads the reporters (and before any node is connected to).
 */
import {UsageError} from '../errors.js';

/** The `--output` formats, in the order help text lists them. */
export const FORMATS = ['text', 'json', 'ndjson', 'junit', 'markdown', 'sarif'] as const;

/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];

/** True when `s` names a format. */
export const isFormat = (s: string): s is Format => (FORMATS as readonly string[]).includes(s);

/** The `--output` value as a format (text when absent); an unknown one is a usage error. */
export function formatOption(v: unknown): Format {
  const format = String(v ?? 'text');
  if (!isFormat(format)) throw new UsageError(`--output ${format}: unknown format`, `use one of ${FORMATS.join(', ')}`);
  return format;
}
