import {parseCommandLine} from './src/cli/args.js';
import {fixCommand} from './src/cli/commands/fix.js';
const a = parseCommandLine(process.argv.slice(2));
fixCommand(a, new AbortController().signal).then((c) => { console.error('exit', c); }, (e) => { console.error('ERR', e); });
