/**
 * The one entry the CLI calls to turn a report into text: pick a format, get a string.
 * Every reporter sanitises remote text itself, so no format can be rendered unsafely.
 */
import {render as renderJson} from './json.js';
import {render as renderJunit} from './junit.js';
import {render as renderMarkdown} from './markdown.js';
import type {RenderOptions} from './order.js';
import {render as renderSarif} from './sarif.js';
import {render as renderText} from './text.js';
import type {Report} from './types.js';

/** The `--output` formats, in the order help text lists them. */
export const FORMATS = ['text', 'json', 'junit', 'markdown', 'sarif'] as const;

/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];

const RENDERERS: Record<Format, (report: Report, opts: RenderOptions) => string> = {
  text: renderText,
  json: renderJson,
  junit: renderJunit,
  markdown: renderMarkdown,
  sarif: renderSarif,
};

/** True when `s` names a format: the CLI validates `--output` with it before running anything. */
export const isFormat = (s: string): s is Format => (FORMATS as readonly string[]).includes(s);

/**
 * Render a report in the given format. `opts.color` and `opts.width` only affect `text`;
 * the caller decides them (TTY, NO_COLOR, terminal columns).
 */
export function renderReport(format: Format, report: Report, opts: RenderOptions): string {
  return RENDERERS[format](report, opts);
}
