import {describe, it, expect} from 'vitest';
import {FORMATS, isFormat, renderReport} from '../../src/report/index.js';
import {HOSTILE, hostileReport, sampleReport} from '../helpers/report.js';

const SGR = /\u001b\[[0-9;]*m/g;

describe('renderReport', () => {
  it('offers text, json, junit, markdown and sarif', () => {
    expect(FORMATS).toEqual(['text', 'json', 'ndjson', 'junit', 'markdown', 'sarif']);
    expect(isFormat('sarif')).toBe(true);
    expect(isFormat('yaml')).toBe(false);
  });

  it('dispatches to the reporter of each format', () => {
    const r = sampleReport();
    expect(renderReport('text', r, {color: false})).toContain('x FAIL  cgroup-driver-match');
    expect(JSON.parse(renderReport('json', r, {color: false})).schema).toBe(1);
    expect(renderReport('junit', r, {color: false})).toContain('<testsuites ');
    expect(renderReport('markdown', r, {color: false})).toContain('## node-1');
    expect(JSON.parse(renderReport('sarif', r, {color: false})).version).toBe('2.1.0');
  });

  it.each(FORMATS)('strips every escape sequence a node planted in %s output', (format) => {
    for (const color of [false, true]) {
      const out = renderReport(format, hostileReport(), {color, width: 80});
      expect(out).not.toContain(HOSTILE);
      expect(out).not.toContain('pwned');
      expect(out).not.toContain('\u0007');
      expect(out.replace(SGR, '')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(out).not.toMatch(/\\u00[01][0-9a-f]|\\u007f|\\u009/i);
      expect(out).toContain('kubelet uses cgroupfs');
    }
  });
});
