// The main job's pieces, cheaply: `npm start` (scripts/start.mjs) and the node example
// (examples/node/spam-lstm.mjs) run end to end on a few hundred SpamAssassin messages for one
// epoch, write a model that loads, and classify the samples. The full 2-minute run is measured
// by hand (see docs/cli.md).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { init, shutdown } from '../../src/index.js';
import { TextClassifier } from '../../src/classifier/index.js';
import { tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir();
beforeAll(async () => { await init({ threads: 1 }); });
afterAll(async () => { await shutdown(); });

const node = (script: string, env: Record<string, string>) => spawnSync(process.execPath, [join(root, script)], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });

it('npm start: trains, evaluates, saves spam.wnn, classifies the two samples', () => {
  const out = join(dir, 'spam.wnn');
  const r = node('scripts/start.mjs', { SPAM_LIMIT: '600', SPAM_EPOCHS: '1', SPAM_OUT: out });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^Epoch 1\/1 - /m);
  const acc = Number(/Measured: test accuracy ([\d.]+)%/.exec(r.stdout)?.[1]);
  expect(acc).toBeGreaterThan(50);
  const c = TextClassifier.fromBytes(new Uint8Array(readFileSync(out)));
  expect(c.labels).toEqual(['ham', 'spam']);
  expect((c.training as { testAccuracy: number }).testAccuracy * 100).toBeCloseTo(acc, 1);
  const lines = r.stdout.split('\n').filter((l) => /^ {2}(ham|spam) +\(spam probability/.test(l));
  expect(lines.length).toBe(2);
  // the limited test set holds both classes (the split lists ham, then spam), about 31% spam as in the data
  const support = (label: string) => Number(new RegExp(`^${label} +[\\d.]+ +[\\d.]+ +[\\d.]+ +(\\d+)$`, 'm').exec(r.stdout)?.[1]);
  expect(support('ham') + support('spam')).toBe(600);
  expect(support('spam')).toBeGreaterThan(150);
});

it('examples/node/spam-lstm.mjs runs the classic pipeline', () => {
  const out = join(dir, 'lstm.wnn');
  const r = node('examples/node/spam-lstm.mjs', { EXAMPLE_LIMIT: '300', EXAMPLE_EPOCHS: '1', EXAMPLE_OUT: out });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const m = /test accuracy [\d.]+% on (\d+) messages \((\d+) ham, (\d+) spam\)/.exec(r.stdout);
  expect(m).not.toBeNull();
  // a stratified subset of the test split, not its first 300 (all ham)
  expect(Number(m![1])).toBe(300);
  expect(Number(m![3])).toBeGreaterThan(75);
  expect(Number(m![2])).toBeGreaterThan(150);
  const c = TextClassifier.fromBytes(new Uint8Array(readFileSync(out)));
  expect(c.model.layers.map((l) => l.className)).toEqual(['Embedding', 'LSTM', 'Dense']);
});
