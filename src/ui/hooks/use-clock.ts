/**
 * A clock that ticks only while something moves (a probe is running), so spinners and elapsed
 * times advance and an idle TUI renders nothing at all.
 */
import {useEffect, useState} from 'react';

/** The current time from `now`, refreshed every `intervalMs` while `active`. */
export function useClock(now: () => number, active: boolean, intervalMs = 100): number {
  const [t, setT] = useState(now);
  useEffect(() => {
    setT(now());
    if (!active) return;
    const id = setInterval(() => setT(now()), intervalMs);
    return () => clearInterval(id);
  }, [now, active, intervalMs]);
  return t;
}
