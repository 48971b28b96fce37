/**
 * The last gate before anything the tool made leaves the process: a report (any format, to a
 * file or to stdout). If a secret detector still matches after both redaction passes, nothing
 * is written and the command exits 2 naming the output and the kind of secret, so a redaction
 * bug shows up as a refusal, never as a leak.
 */
import {InputError} from '../../errors.js';
import {findSecret} from './redact.js';

/** Throw (exit 2) when `text` still holds key material; `what` names the output (a file, standard output). */
export function refuseSecrets(text: string, what: string): void {
  const kind = findSecret(text);
  if (kind === null) return;
  throw new InputError(
    `refusing to write ${what}: it still holds ${kind} after redaction; nothing was written`,
    'please report this as a bug (without the output); the other formats and `collect` refuse the same way',
  );
}
