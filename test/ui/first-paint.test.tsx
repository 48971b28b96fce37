/**
 * The first paint (drawn before Ink loads) is the App's own first frame, so the swap is invisible.
 */
import {describe, expect, it} from 'vitest';
import {catalogue} from '../../checks/index.js';
import {App} from '../../src/ui/app.js';
import {firstFrame} from '../../src/ui/first-paint.js';
import {makeTheme} from '../../src/ui/theme.js';
import {frameWith, renderSized} from './term.js';

const SGR = /\u001b\[[0-9;]*m/g;
const rows = (s: string): string[] =>
  s
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.trimEnd());
const never = () => new Promise<never>(() => {});

describe('firstFrame', () => {
  for (const targets of [
    [{name: 'node-7', transport: 'root'}],
    [
      {name: 'node-1', transport: 'ssh'},
      {name: 'node-2', transport: 'ssh'},
      {name: 'node-3', transport: 'local'},
    ],
  ]) {
    it(`matches the App's first frame at 80x24 (${targets.length} target${targets.length > 1 ? 's' : ''})`, async () => {
      const painted = firstFrame(targets, 80, 24, false, 0);
      const t = renderSized(<App targets={targets} checks={catalogue} probe={never} theme={makeTheme({color: false})} now={() => 0} />, 80, 24);
      const ink = await frameWith(t.lastFrame, '↑↓/jk move');
      t.unmount();
      // Ink's frame may already show the probes running; the first paint shows them queued.
      const settle = (s: string) => s.replace(/⠋ probing(?: \S+|…)|· queued|· waiting for a free slot…|⠋ probing the node…/g, 'PENDING');
      expect(rows(settle(painted.replace(SGR, '')))).toEqual(rows(settle(ink)));
      expect(rows(painted)).toHaveLength(23);
    });
  }

  it('paints colour only when asked', () => {
    const targets = [{name: 'a', transport: 'root'}];
    expect(firstFrame(targets, 80, 24, true)).toMatch(/\u001b\[1;36m/);
    expect(firstFrame(targets, 80, 24, false)).not.toMatch(/\u001b\[[0-9;]*3[0-9]m/);
  });
});
