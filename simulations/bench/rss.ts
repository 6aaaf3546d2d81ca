import type { Bench } from './common.js';
export const rssBench: Bench = { name: 'rss', description: 'stub', async run() { return { name: 'rss', figures: [] }; } };
