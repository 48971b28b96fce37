/**
 * The few exception classes that cross layers. Operator-fixable problems carry a hint and
 * print without a stack; anything else is a bug and prints the stack with a plea to report it.
 */

/** Bad command line: exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Bad input file (snapshot, inventory, runbook): exit 2. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Why a target could not be checked. */
export type TargetErrorKind = 'unreachable' | 'timeout' | 'auth' | 'host-key' | 'sudo' | 'probe' | 'not-found' | 'interrupted';

/** A target could not be checked (exit 3 when no target could be). */
export class TargetError extends Error {
  override name = 'TargetError';
  constructor(
    readonly kind: TargetErrorKind,
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Something that should not happen: print the stack and ask for a report. */
export class BugError extends Error {
  override name = 'BugError';
}
