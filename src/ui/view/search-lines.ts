/**
 * The search view as lines: the query being typed, then the hits best first (row key
 * `hit:<n>`), each with its score, what it is and what it points to.
 */
import type {SearchHit} from '../../search/search-index.js';
import {findingOf} from '../state/selectors.js';
import {badge, clean, type ViewContext} from './context.js';
import {fit, line, seg, type Line, type Seg} from './text.js';

/** The header: the query with a cursor. */
export function searchHeader(ctx: ViewContext): Line {
  return line(seg('/ ', 'key'), seg(clean(ctx.state.query)), seg('▏', 'accent'));
}

function hitSegs(ctx: ViewContext, h: SearchHit): Seg[] {
  const score = seg(`${h.score.toFixed(2)}  `, h.matchedBy === 'pattern' ? 'pass' : 'dim');
  switch (h.kind) {
    case 'finding': {
      // A failure another failure explains is a consequence, not a cause of its own: said so, as on the node view.
      const f = h.node === undefined ? null : findingOf(ctx.state, h.node, h.id);
      const cause = f?.status === 'fail' && f.causedBy && f.causedBy !== f.id ? f.causedBy : null;
      if (cause) {
        return [
          score,
          seg('finding    ', 'dim'),
          seg(`└ explained by ${cause} `, 'dim'),
          seg(`${clean(h.nodeName ?? '')} `, 'heading'),
          seg(`${h.id}: `, 'heading'),
          seg(clean(h.summary ?? '')),
        ];
      }
      return [
        score,
        seg('finding    ', 'dim'),
        badge(ctx, h.status ?? 'skip'),
        seg(`${clean(h.nodeName ?? '')} `, 'heading'),
        seg(`${h.id}: `, 'heading'),
        seg(clean(h.summary ?? '')),
      ];
    }
    case 'signature':
      return [score, seg('log line   ', 'dim'), seg(`${h.check} `, 'heading'), seg(`"${clean(h.title)}"`)];
    case 'check':
      return [score, seg('check      ', 'dim'), seg(`${h.id} `, 'heading'), seg(clean(h.title))];
  }
}

/** The hits as rows; with an empty query, how to use the search. */
export function searchLines(ctx: ViewContext, hits: readonly SearchHit[]): Line[] {
  const width = ctx.cols - 2;
  if (ctx.state.query.trim() === '') {
    return [
      line(seg('Type to search check ids, titles, descriptions, findings and known kubelet log lines.', 'dim')),
      line(seg('Paste a line from `journalctl -u kubelet` to land on the check that explains it.', 'dim')),
    ];
  }
  if (hits.length === 0) return [line(seg('No match. Try fewer words, or the part of the line after err="…".', 'dim'))];
  const exact = hits.filter((h) => h.matchedBy === 'pattern').length;
  const head = line(
    seg(`${hits.length} match${hits.length === 1 ? '' : 'es'}${exact > 0 ? ', known log line recognised' : ''} · score 0 = exact, 1 = barely related`, 'dim'),
  );
  return [fit(head, width), ...hits.map((h, i) => ({...fit(line(...hitSegs(ctx, h)), width), key: `hit:${i}`}))];
}
