import {parseCommandLine} from './src/cli/args.js';
import {runbookCommand} from './src/cli/commands/runbook.js';
const a = parseCommandLine(process.argv.slice(2));
runbookCommand(a, new AbortController().signal).then((c) => { console.error('exit', c); }, (e) => { console.error('ERR', e.message, e.hint); });
