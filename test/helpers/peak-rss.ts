/**
 * Preloaded into the real binary (`node --import …/peak-rss.js bin.js …`) by tests and the bench
 * that bound the client's memory: when the process exits it writes its peak resident set size
 * (KiB, `process.resourceUsage().maxRSS`) to the file named by KD_PEAK_RSS_FILE.
 */
import {writeFileSync} from 'node:fs';

const file = process.env['KD_PEAK_RSS_FILE'];
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
    } catch {
      /* the test reports the missing figure */
    }
  });
}
