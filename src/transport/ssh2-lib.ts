/**
 * The two parts of ssh2 the client needs (Client, parseKey), loaded straight from their files:
 * `import 'ssh2'` also loads its Server, key generator and HTTP agents, which nothing here uses.
 * Measured on the 2-core bench machine: 66 ms → 45 ms of start-up (wall and CPU) on every SSH run.
 * Falls back to the package entry point if a later ssh2 moves these files.
 */
import {createRequire} from 'node:module';
import type * as Ssh2 from 'ssh2';

const require = createRequire(import.meta.url);

function load(): {Client: typeof Ssh2.Client; parseKey: typeof Ssh2.utils.parseKey} {
  try {
    return {
      Client: require('ssh2/lib/client.js') as typeof Ssh2.Client,
      parseKey: (require('ssh2/lib/protocol/keyParser.js') as {parseKey: typeof Ssh2.utils.parseKey}).parseKey,
    };
  } catch {
    const m = require('ssh2') as typeof Ssh2;
    return {Client: m.Client, parseKey: m.utils.parseKey};
  }
}

export const {Client, parseKey} = load();
