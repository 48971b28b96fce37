/**
 * The terminal's size, live: the layout is recomputed on every resize (SIGWINCH), so the
 * screens re-lay out to the new width and height instead of wrapping or scrolling away.
 */
import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

/** Columns and rows; 80x24 when the stream does not say (a pipe, a test stream). */
export interface TerminalSize {
  cols: number;
  rows: number;
}

const read = (s: NodeJS.WriteStream): TerminalSize => ({cols: s.columns || 80, rows: s.rows || 24});

/** The current size of Ink's stdout, updated on `resize`. */
export function useTerminalSize(): TerminalSize {
  const {stdout} = useStdout();
  const [size, setSize] = useState(() => read(stdout));
  useEffect(() => {
    const onResize = () => setSize(read(stdout));
    stdout.on('resize', onResize);
    onResize();
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
