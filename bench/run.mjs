#!/usr/bin/env node
// Benchmark runner: `npm run bench -- NAME [--json] [more args]`. Each benchmark is bench/NAME.mjs
// exporting `default async function (args)`; it runs the competitor in the same process, prints a
// table with ratios, or one JSON object a line with --json. Benchmarks are not tests: results go
// into bench/RESULTS.md by hand, with the command, the machine and the date.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('_')).map((f) => f.slice(0, -4));
const [name, ...rest] = process.argv.slice(2);
const file = name?.replace(/-/g, '_');   // `worker-load` runs worker_load.mjs
if (!name || !available.includes(file)) {
  console.error(`usage: npm run bench -- NAME [--json]\nbenchmarks: ${available.join(', ')}`);
  process.exit(name ? 1 : 0);
}
const mod = await import(pathToFileURL(join(here, `${file}.mjs`)).href);
await mod.default(rest);
