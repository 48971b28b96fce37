/**
 * A terminal of a given size for Ink, to test layout at 80x24 and on resize (ink-testing-library's
 * stream is fixed at 100 columns with no height). Frames are what Ink wrote, as in that library.
 */
import {EventEmitter} from 'node:events';
import {render} from 'ink';
import type {ReactElement} from 'react';
import {vi} from 'vitest';

/** A writable stream with a size that can change (and say so, like SIGWINCH). */
export class FakeStdout extends EventEmitter {
  readonly frames: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = (): string => this.frames[this.frames.length - 1] ?? '';
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

/** A readable stream a test types into. */
export class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string): void {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

/** Render into a terminal of `columns` x `rows`. */
export function renderSized(tree: ReactElement, columns: number, rows: number) {
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  const instance = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {stdout, stdin, lastFrame: stdout.lastFrame, unmount: () => instance.unmount(), instance};
}

/** Wait until the last frame satisfies `ok` (polling, with a deadline); returns that frame. */
export async function frameWhere(lastFrame: () => string | undefined, ok: (frame: string) => boolean, what = 'the expected frame'): Promise<string> {
  let seen = '';
  await vi.waitFor(
    () => {
      seen = lastFrame() ?? '';
      if (!ok(seen)) throw new Error(`waiting for ${what}; last frame:\n${seen}`);
    },
    {timeout: 10_000, interval: 10},
  );
  return seen;
}

/** Wait until the last frame contains every one of `texts`. */
export const frameWith = (lastFrame: () => string | undefined, ...texts: string[]): Promise<string> =>
  frameWhere(lastFrame, (f) => texts.every((t) => f.includes(t)), texts.join(' + '));
