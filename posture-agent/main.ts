/** Entry point of `kenneki-agent` (and of the single-file bundle). */
import { main } from './cli.js';

await main();
