/**
 * The keymap is the only place keys are defined: these tests pin what each key means where,
 * and that the footer and help are generated from it.
 */
import {describe, expect, it} from 'vitest';
import {commandFor, fittedHints, footerHints, helpRows, KEYMAP, type Command} from '../../src/ui/keys/keymap.js';

describe('commandFor', () => {
  it('maps arrows and j/k, Enter, Esc and Backspace on the node view', () => {
    expect(commandFor('node', '', {upArrow: true})).toBe('up');
    expect(commandFor('node', 'k', {})).toBe('up');
    expect(commandFor('node', 'j', {})).toBe('down');
    expect(commandFor('node', '', {return: true})).toBe('open');
    expect(commandFor('node', '', {escape: true, meta: true})).toBe('back');
    expect(commandFor('node', '', {backspace: true})).toBe('back');
    expect(commandFor('node', '', {delete: true})).toBe('back');
  });

  it('maps /, f, r, ?, c and q where they apply', () => {
    expect(commandFor('fleet', '/', {})).toBe('search');
    expect(commandFor('fleet', 'f', {})).toBe('filter');
    expect(commandFor('fleet', 'r', {})).toBe('rerun');
    expect(commandFor('fleet', '?', {})).toBe('help');
    expect(commandFor('node', 'c', {})).toBe('config');
    expect(commandFor('fleet', 'c', {})).toBeNull();
    expect(commandFor('fleet', 'q', {})).toBe('quit');
  });

  it('quits on Ctrl-C everywhere, even while typing a query', () => {
    for (const screen of ['fleet', 'node', 'check', 'config', 'search', 'help'] as const) {
      expect(commandFor(screen, 'c', {ctrl: true}, screen === 'search')).toBe('quit');
    }
  });

  it('treats letters as text while a query is typed, and Backspace as an edit', () => {
    for (const ch of ['q', 'j', 'k', 'f', '/', '?', 'r']) expect(commandFor('search', ch, {}, true)).toBeNull();
    expect(commandFor('search', '', {backspace: true}, true)).toBeNull();
    expect(commandFor('search', '', {escape: true}, true)).toBe('back');
    expect(commandFor('search', '', {downArrow: true}, true)).toBe('down');
    expect(commandFor('search', '', {return: true}, true)).toBe('open');
  });
});

describe('footer and help', () => {
  it('generates the fleet footer from the keymap', () => {
    const text = footerHints('fleet')
      .map((h) => `${h.keys} ${h.label}`)
      .join('  ');
    expect(text).toBe('↑↓/jk move  Enter open  / search  f filter  r re-run  ? help  q quit  d diff  w watch');
  });

  it('keeps quit and help when the footer is narrow, dropping the least needed hints', () => {
    const narrow = fittedHints('node', 50).map((h) => h.label);
    expect(narrow).toContain('quit');
    expect(narrow).toContain('help');
    expect(narrow).not.toContain('re-run');
    expect(narrow).toEqual(
      footerHints('node')
        .map((h) => h.label)
        .filter((l) => narrow.includes(l)),
    );
  });

  it('lists only non-printable keys in the search footer', () => {
    expect(footerHints('search', true).map((h) => h.keys)).toEqual(['↑↓', 'Enter', 'Esc', 'Ctrl-C']);
  });

  it('lists every command of the keymap in the help overlay', () => {
    const commands = new Set<Command>(KEYMAP.map((b) => b.command));
    expect(helpRows()).toHaveLength(KEYMAP.length);
    expect(commands.size).toBe(KEYMAP.length);
    for (const row of helpRows()) expect(row.keys).not.toBe('');
  });
});
