import {describe, it, expect} from 'vitest';
import check from '../../checks/swap.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildSwap} from '../../src/facts/host/host.js';
import {buildKubeletConfig} from '../../src/facts/kubelet/kubelet-config.js';
import {notCollected} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import {DROPIN, argvOf} from '../helpers/argv.js';

const CFG = '/var/lib/kubelet/config.yaml';
const HEAD = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n';
const NO_SWAP = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';
const SWAP_ON = `${NO_SWAP}/swap.img                               file\t\t4194300\t\t0\t\t-2\n`;
const ZRAM_ON = `${NO_SWAP}/dev/zram0                              partition\t8388604\t\t0\t\t100\n`;
const FSTAB_SWAP = 'UUID=3b6f0c1e-8e3a-4c55-9d1a-0c2f1e7e5a11 / ext4 errors=remount-ro 0 1\n/swap.img\tnone\tswap\tsw\t0\t0\n';
const FSTAB_NONE = 'UUID=3b6f0c1e-8e3a-4c55-9d1a-0c2f1e7e5a11 / ext4 errors=remount-ro 0 1\n#/swap.img\tnone\tswap\tsw\t0\t0\n';

function run(files: Record<string, string>, config = HEAD, live = true): Verdict {
  const raw = rawFrom({[CFG]: config, ...files}, {live});
  const kubeletConfig = buildKubeletConfig(raw, argvOf([`--config=${CFG}`]), 'v1.30.2');
  const v = check.evaluate(makeFacts({kubeletConfig, swap: buildSwap(raw)}), ctx);
  if (Array.isArray(v)) throw new Error('swap returns one verdict');
  return v;
}

describe('swap check', () => {
  it('passes when no swap is on and fstab has none', () => {
    const v = run({'/proc/swaps': NO_SWAP, '/etc/fstab': FSTAB_NONE});
    expect(v.status).toBe('pass');
    expect(v.summary).toBe('no swap is on');
    expect(v.evidence[0]).toEqual({source: {file: '/proc/swaps', line: 1}, text: 'no swap areas listed'});
  });

  it('fails when swap is on and failSwapOn is the default true', () => {
    const v = run({'/proc/swaps': SWAP_ON, '/etc/fstab': FSTAB_SWAP});
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(
      'swap is on (/swap.img (file 4.0GiB)) and failSwapOn is true: the kubelet refuses to start ("running with swap on is not supported")',
    );
    expect(v.evidence.map((e) => e.source)).toEqual([{file: '/proc/swaps', line: 2}, {command: 'kubelet default (v1.30.2)'}, DROPIN]);
  });

  it('fails on zram swap too', () => {
    const v = run({'/proc/swaps': ZRAM_ON, '/etc/fstab': FSTAB_NONE});
    expect(v.status).toBe('fail');
    expect(v.summary).toContain('swap is on (/dev/zram0 (zram))');
  });

  it('fails offline when /etc/fstab turns swap on at boot', () => {
    const v = run({'/etc/fstab': FSTAB_SWAP}, HEAD, false);
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(
      /^offline judgement: \/proc\/swaps not available \(root transport\), \/etc\/fstab:2 enables swap \(\/swap.img \(file\)\) and failSwapOn is true: the kubelet will refuse to start/,
    );
    expect(v.evidence[0]).toEqual({source: {file: '/etc/fstab', line: 2}, text: '/swap.img\tnone\tswap\tsw\t0\t0'});
  });

  it('passes offline when fstab has no active swap, saying what was not read', () => {
    const v = run({'/etc/fstab': FSTAB_NONE}, HEAD, false);
    expect(v.status).toBe('pass');
    expect(v.summary).toMatch(/^no swap is configured in \/etc\/fstab; offline: systemd .swap units/);
    expect(v.evidence[0]?.source).toEqual({file: '/etc/fstab'});
  });

  it('warns when swap is off now but fstab brings it back at boot', () => {
    const v = run({'/proc/swaps': NO_SWAP, '/etc/fstab': FSTAB_SWAP});
    expect(v.status).toBe('warn');
    expect(v.summary).toBe('swap is off now, but /etc/fstab turns it back on at boot (/swap.img (file)): the kubelet will refuse to start after a reboot');
    expect(v.evidence[0]?.source).toEqual({file: '/etc/fstab', line: 2});
  });

  it('passes swap with failSwapOn false (NoSwap by default)', () => {
    const v = run({'/proc/swaps': SWAP_ON, '/etc/fstab': FSTAB_SWAP}, `${HEAD}failSwapOn: false\n`);
    expect(v.status).toBe('pass');
    expect(v.summary).toContain('failSwapOn is false, so the kubelet runs, and pods do not use swap (swapBehavior NoSwap)');
    expect(v.evidence[1]).toEqual({source: {file: CFG, line: 4}, text: 'failSwapOn: false'});
  });

  it('passes LimitedSwap and notes it needs cgroup v2', () => {
    const v = run({'/proc/swaps': SWAP_ON}, `${HEAD}failSwapOn: false\nmemorySwap:\n  swapBehavior: LimitedSwap\n`);
    expect(v.status).toBe('pass');
    expect(v.summary).toContain('swapBehavior is LimitedSwap');
    expect(v.evidence.at(-1)?.source).toEqual({file: CFG, line: 6});
  });

  it('warns on a swapBehavior the kubelet does not accept', () => {
    const v = run({'/proc/swaps': SWAP_ON}, `${HEAD}failSwapOn: false\nmemorySwap:\n  swapBehavior: UnlimitedSwap\n`);
    expect(v.status).toBe('warn');
    expect(v.summary).toContain('memorySwap.swapBehavior "UnlimitedSwap" is not NoSwap or LimitedSwap');
  });

  it('falls back to the offline judgement on a live node that sent no /proc/swaps, and says so', () => {
    const v = run({'/etc/fstab': FSTAB_SWAP}, HEAD, true);
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^offline judgement: \/proc\/swaps not available \(not collected by the probe\), \/etc\/fstab:2 enables swap/);
    expect(v.evidence[0]?.source).toEqual({file: '/etc/fstab', line: 2});
  });

  it('honours failSwapOn false in the offline judgement too', () => {
    const v = run({'/etc/fstab': FSTAB_SWAP}, `${HEAD}failSwapOn: false\n`, false);
    expect(v.status).toBe('pass');
    expect(v.summary).toMatch(/^offline judgement: .*\/etc\/fstab:2 enables swap .*failSwapOn is false, so the kubelet runs/);
  });

  it('ignores commented and noauto fstab swap lines offline', () => {
    const v = run({'/etc/fstab': `${FSTAB_NONE}/swap2.img none swap noauto,sw 0 0\n`}, HEAD, false);
    expect(v.status).toBe('pass');
    expect(v.summary).toContain('/swap2.img in /etc/fstab is noauto');
  });

  it('counts an enabled systemd .swap unit when the probe collected it, not a masked one', () => {
    const unit = '[Unit]\nDescription=Swap file\n[Swap]\nWhat=/swapfile\n[Install]\nWantedBy=swap.target\n';
    const raw = rawFrom(
      {[CFG]: HEAD, '/etc/fstab': FSTAB_NONE, '/etc/systemd/system/swapfile.swap': unit, '/etc/systemd/system/zram.swap': unit},
      {
        live: false,
        records: {'/etc/systemd/system/zram.swap': {realPath: '/dev/null', content: ''}},
        dirs: {
          '/etc/systemd/system/swap.target.wants': {
            path: '/etc/systemd/system/swap.target.wants',
            status: 'ok',
            entries: [
              {name: 'swapfile.swap', type: 'link'},
              {name: 'zram.swap', type: 'link'},
            ],
          },
        },
      },
    );
    const kubeletConfig = buildKubeletConfig(raw, argvOf([`--config=${CFG}`]), 'v1.30.2');
    const v = check.evaluate(makeFacts({kubeletConfig, swap: buildSwap(raw)}), ctx) as Verdict;
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/\/etc\/systemd\/system\/swapfile.swap:4 enables swap \(\/swapfile \(file\)\)/);
    expect(v.summary).not.toContain('zram');
  });

  it('skips when swap was not collected', () => {
    const v = check.evaluate(makeFacts({swap: notCollected('/proc/swaps was not collected by the probe')}), ctx);
    expect(v).toEqual({status: 'skip', summary: '/proc/swaps was not collected by the probe', evidence: []});
  });
});

describe('signatures', () => {
  it('match the log lines they describe', () => {
    expect(check.signatures.length).toBeGreaterThan(0);
    for (const s of check.signatures) expect(s.pattern.test(s.text), s.id).toBe(true);
  });
});
