/**
 * Edits to one kubelet flag inside the line that put it on the command line: an env-file line
 * (`KUBELET_KUBEADM_ARGS="--a=1 --b=2"`), an `Environment=` line or an `ExecStart=` line. Only
 * the flag's own characters change; quoting, the other flags and the line's spacing stay.
 */

/** Characters that may sit right before a flag word on such a line. */
const BEFORE = /[\s"'=]/;
/** Characters that may follow a flag word. */
const AFTER = /[\s"'\\]/;

/** Where the flag's text starts in the line, as a whole word; -1 when it is not there exactly once. */
export function findFlag(line: string, text: string): number {
  let found = -1;
  for (let i = line.indexOf(text); i !== -1; i = line.indexOf(text, i + 1)) {
    const before = i === 0 ? '' : line.charAt(i - 1);
    const after = line.charAt(i + text.length);
    if ((before === '' || BEFORE.test(before)) && (after === '' || AFTER.test(after))) {
      if (found !== -1) return -1;
      found = i;
    }
  }
  return found;
}

/** The line without the flag (and one space beside it); null when the flag is not found exactly once. */
export function removeFlag(line: string, text: string): string | null {
  const i = findFlag(line, text);
  if (i === -1) return null;
  let start = i;
  let end = i + text.length;
  if (/[ \t]/.test(line.charAt(end))) end++;
  else if (start > 0 && /[ \t]/.test(line.charAt(start - 1))) start--;
  return line.slice(0, start) + line.slice(end);
}

/**
 * The flag with a new value, written the way the operator wrote it (`--x=v` or `--x v`);
 * null when the flag is not found exactly once.
 */
export function setFlagValue(line: string, text: string, value: string): string | null {
  const i = findFlag(line, text);
  if (i === -1) return null;
  // <1:flag word> <2:separator>
  const m = /^(-{1,2}[^=\s]+)(=|\s+)/.exec(text);
  const next = m ? `${m[1]}${m[2]}${value}` : `${text}=${value}`;
  return line.slice(0, i) + next + line.slice(i + text.length);
}

/** The word as the operator wrote it: `--cgroup_driver` of `--cgroup_driver=cgroupfs`. */
export function flagWord(text: string): string {
  return text.split(/[=\s]/)[0] ?? text;
}
