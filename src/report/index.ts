/**
 * The one entry the CLI calls to turn a report into text: pick a format, get a string.
 * Every reporter sanitises remote text itself, so no format can be rendered unsafely.
 */
import {render as renderJson} from './json.js';
import {render as renderJunit} from './junit.js';
import {render as renderMarkdown} from './markdown.js';
import {render as renderNdjson} from './ndjson.js';
import type {RenderOptions} from './order.js';
import {render as renderSarif} from './sarif.js';
import {render as renderText} from './text.js';
import type {Report} from './types.js';
import type {Format} from './formats.js';

export {FORMATS, formatOption, isFormat, type Format} from './formats.js';

const RENDERERS: Record<Format, (report: Report, opts: RenderOptions) => string> = {
  text: renderText,
  json: renderJson,
  ndjson: renderNdjson,
  junit: renderJunit,
  markdown: renderMarkdown,
  sarif: renderSarif,
};

/**
 * Render a report in the given format. `opts.color` and `opts.width` only affect `text`;
 * the caller decides them (TTY, NO_COLOR, terminal columns).
 */
export function renderReport(format: Format, report: Report, opts: RenderOptions): string {
  return RENDERERS[format](report, opts);
}
