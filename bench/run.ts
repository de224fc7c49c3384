// `npm run bench [-- options]` (bench/command.ts).
import { benchCommand } from './command.ts';

await benchCommand().parseAsync();
