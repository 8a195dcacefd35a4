// The seed side of the double NAT: `node dist/main.js` converges until SIGTERM, `node dist/main.js cleanup`
// removes everything the agent owns. All configuration comes from the environment (docs/CONTRACTS.md).
import { runAgent } from '@overlap/agent-core';

process.exitCode = await runAgent('seed', process.argv.slice(2), process.env);
