import {startLabFleet} from './src/lab/lab-fleet.js';
const f = await startLabFleet({dir: '/tmp/labtry', log: (l) => console.error('LOG', l)});
console.log(f.nodes.map((n) => `${n.info.hostname} ${n.port}`).join('\n'), f.notes);
console.log(f.inventoryFile);
process.on('SIGINT', async () => { await f.stop(); process.exit(0); });
setTimeout(async () => { await f.stop(); console.log('stopped'); }, 60000);
