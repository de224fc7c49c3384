// `npm run bench [-- options]`: the same command as `relais bench` (src/cli/bench.ts).
import { benchCommand } from '../src/cli/bench.ts';

await benchCommand('npm run bench').parseAsync();
