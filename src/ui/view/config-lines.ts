/**
 * The effective-configuration view as lines: the answer to "where is this set?". Every kubelet
 * setting with its value and the file:line (or flag, or default) that set it; beneath a value,
 * the values it overrode and where they were; then the kubelet's command line with every
 * occurrence of each flag, and the fields the kubelet ignores or rejects.
 */
import type {ConfigOrigin, ConfigValue, FlagOccurrence, KubeletConfigFacts, Source} from '../../facts/types.js';
import {formatSource} from '../../report/order.js';
import {nodeName} from '../state/selectors.js';
import {clean, type ViewContext} from './context.js';
import {cell, fit, line, seg, tail, wrapLines, type Line} from './text.js';

/** The header: node › effective kubelet configuration. */
export function configHeader(ctx: ViewContext, node: number): Line {
  const n = ctx.state.nodes[node];
  return line(
    seg(n ? clean(nodeName(n)) : '?', 'dim'),
    seg(' › ', 'dim'),
    seg('effective kubelet configuration', 'title'),
    ...(ctx.state.setOnly ? [seg('  [set values only]', 'accent')] : []),
  );
}

const ORIGIN: Record<ConfigOrigin, string> = {default: '', 'config-file': '', 'config-dir': 'drop-in ', flag: 'flag '};

/** A value as one short string: strings as written, everything else as compact JSON. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '""' : clean(v);
  return clean(JSON.stringify(v) ?? String(v));
}

/** Where a value was set: the file:line (`drop-in`/`flag` marked), or `default` (the version is in the header). */
const where = (origin: ConfigOrigin, source: Source): string => (origin === 'default' ? 'default' : `${ORIGIN[origin]}${clean(formatSource(source))}`);

function valueRows(field: string, v: ConfigValue, cols: {field: number; value: number; source: number}): Line[] {
  const isDefault = v.origin === 'default';
  // A default that beat a file value says why: `cacheTTL: 2m (default; 0s means unset)`.
  const note = isDefault ? /\(default; ([^)]*)\)$/.exec(v.text)?.[1] : undefined;
  const at = where(v.origin, v.source) + (note ? `; ${clean(note)}` : '');
  // A setting's name is never cut (two cut names can look alike: `authentication.webhook.…`):
  // one too long for its column gets a row of its own, whole, and its value goes on the next.
  const long = field.length > cols.field;
  const out: Line[] = long ? wrapLines(field, cols.field + cols.value + cols.source + 4, {rest: '  ', role: isDefault ? 'plain' : 'heading'}) : [];
  out.push(
    line(
      seg(cell(long ? '' : field, cols.field), isDefault ? 'plain' : 'heading'),
      seg('  '),
      seg(cell(showValue(v.value), cols.value), isDefault ? 'dim' : 'accent'),
      seg('  '),
      seg(tail(at, cols.source), isDefault ? 'dim' : 'plain'),
    ),
  );
  // Highest precedence first: the value just beneath the winner is what the operator changed last.
  for (const o of [...v.overridden].reverse()) {
    out.push(
      line(
        seg(cell('  overrides', cols.field), 'dim'),
        seg('  '),
        seg(cell(showValue(o.value), cols.value), 'dim'),
        seg('  '),
        seg(tail(where(o.origin, o.source), cols.source), 'dim'),
      ),
    );
  }
  return out;
}

function settingLines(ctx: ViewContext, kc: KubeletConfigFacts, width: number): Line[] {
  const all = Object.entries(kc.effective).sort(([a], [b]) => a.localeCompare(b));
  const shown = ctx.state.setOnly ? all.filter(([, v]) => v.origin !== 'default' || v.overridden.length > 0) : all;
  // The SET AT column is the answer the operator came for: the other two give it room on narrow terminals.
  const fieldCols = Math.min(34, Math.max(16, Math.floor(width * 0.32)), Math.max(5, ...shown.map(([k]) => k.length)));
  const valueCols = Math.min(26, Math.max(10, Math.floor(width * 0.2)), Math.max(5, ...shown.map(([, v]) => showValue(v.value).length)));
  const cols = {field: fieldCols, value: valueCols, source: Math.max(10, width - fieldCols - valueCols - 4)};
  const setCount = all.filter(([, v]) => v.origin !== 'default').length;
  const out: Line[] = [
    line(
      seg(
        `${all.length} settings: ${setCount} set in files or flags, ${all.length - setCount} kubelet defaults${ctx.state.setOnly ? ' (defaults hidden: f shows them)' : ' (f: set values only)'}`,
        'dim',
      ),
    ),
    line(''),
    line(seg(`${cell('SETTING', cols.field)}  ${cell('VALUE', cols.value)}  SET AT`, 'dim')),
  ];
  for (const [field, v] of shown) out.push(...valueRows(field, v, cols));
  return out.map((l) => fit(l, width));
}

function precedence(kc: KubeletConfigFacts): string {
  const parts = [`kubelet defaults${kc.defaultsFor ? ` (${kc.defaultsFor})` : ''}`];
  parts.push(kc.configPath ? `--config ${clean(kc.configPath.value)}` : 'no --config (flag-only legacy defaults)');
  if (kc.configDir) parts.push(`--config-dir ${clean(kc.configDir.value)} drop-ins`);
  parts.push('command-line flags');
  return `Precedence, lowest first: ${parts.join(' < ')}`;
}

function problemLines(kc: KubeletConfigFacts, width: number): Line[] {
  const out: Line[] = [];
  if (kc.unknownFields.length + kc.typeErrors.length === 0) return out;
  out.push(line(''), line(seg('IGNORED OR REJECTED', 'heading')));
  for (const u of kc.unknownFields) {
    const hint = u.nearest ? `; did you mean ${clean(u.nearest)}?` : '';
    out.push(
      ...wrapLines(`${clean(u.field)}: unknown field, the kubelet ignores it${hint}  at ${clean(formatSource(u.source))}`, width, {
        first: '  ',
        rest: '    ',
        role: 'warn',
      }),
    );
  }
  for (const t of kc.typeErrors) {
    out.push(
      ...wrapLines(`${clean(t.field)}: expected ${clean(t.expected)}, the kubelet will not start  at ${clean(formatSource(t.source))}`, width, {
        first: '  ',
        rest: '    ',
        role: 'fail',
      }),
    );
  }
  return out;
}

function flagLines(flags: Record<string, FlagOccurrence[]>, width: number): Line[] {
  const names = Object.keys(flags).sort();
  if (names.length === 0) return [];
  const out: Line[] = [
    line(''),
    line(seg('COMMAND LINE', 'heading'), seg('  the kubelet argv after systemd expansion; the last occurrence of a flag wins', 'dim')),
  ];
  for (const name of names) {
    const all = flags[name]!;
    all.forEach((o, i) => {
      const lost = i < all.length - 1;
      const text = lost ? `${clean(o.text)}  (overridden by a later --${clean(name)})` : clean(o.text);
      out.push(fit(line(seg(`  ${text}`, lost ? 'dim' : 'plain'), seg(`  ${clean(formatSource(o.source))}`, 'dim')), width));
    });
  }
  return out;
}

/** Every line of the configuration view, to be scrolled. */
export function configLines(ctx: ViewContext, node: number): Line[] {
  const width = ctx.cols - 2;
  const facts = ctx.state.nodes[node]?.facts ?? null;
  if (!facts) return [line(seg('No configuration yet: the node has not been checked (or could not be).', 'dim'))];
  const kc = facts.kubeletConfig;
  const out: Line[] = [];
  if (!kc.collected) out.push(...wrapLines(`The kubelet configuration was not collected: ${clean(kc.reason)}`, width, {role: 'warn'}));
  else {
    out.push(...wrapLines(precedence(kc.value), width, {rest: '  ', role: 'dim'}));
    for (const f of kc.value.files) {
      const status = f.status === 'ok' ? 'ok' : `${f.status}${f.error ? `: ${clean(f.error)}` : ''}`;
      out.push(
        fit(
          line(
            seg(`  ${f.role === 'config' ? '--config ' : 'drop-in  '}`, 'dim'),
            seg(clean(f.path), 'accent'),
            seg(`  ${status}`, f.status === 'ok' ? 'pass' : 'fail'),
          ),
          width,
        ),
      );
    }
    out.push(line(''), ...settingLines(ctx, kc.value, width), ...problemLines(kc.value, width));
  }
  if (facts.argv.collected) out.push(...flagLines(facts.argv.value.flags, width));
  else out.push(line(''), ...wrapLines(`The kubelet command line was not collected: ${clean(facts.argv.reason)}`, width, {role: 'dim'}));
  return out;
}
