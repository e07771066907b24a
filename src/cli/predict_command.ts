// `wasmnn predict MODEL [TEXT...]`: labels and probabilities of texts given as arguments, or of
// stdin read one text per line and classified in batches as it streams (large inputs never sit in
// memory whole). Plain output: label, then every label's probability, tab-separated; --json: one
// object per line, in input order.
import { createInterface } from 'node:readline';
import type { TextClassifier } from '../classifier/text_classifier.js';
import { formatOptions, parseArgs, type OptionSpec } from './args.js';
import { usageError } from './errors.js';
import { EXIT_CODES, HELP, loadClassifier, startRuntime, THREADS } from './shared.js';

export const PREDICT_OPTIONS: OptionSpec[] = [
  { name: 'batch-size', type: 'int', min: 1, help: 'texts classified together (stdin is read this many lines at a time)', defaultText: '256' },
  THREADS,
  { name: 'json', type: 'flag', help: 'one JSON object per line: {"label", "probabilities"}' },
  HELP,
];

export const PREDICT_HELP = `Usage: wasmnn predict MODEL [TEXT...] [options]

Classifies each TEXT, or with no TEXT every line of stdin (one text per line), and prints its
label and the probability of every label. Texts that start with '-' go after a lone --, which ends
the options.

Options:
${formatOptions(PREDICT_OPTIONS)}

Examples:
  wasmnn predict spam.wnn "win a free prize now" "lunch at noon?"
  cat messages.txt | wasmnn predict spam.wnn --json > predictions.jsonl
  wasmnn predict spam.wnn -- "--- great deal ---"

${EXIT_CODES}`;

export async function predictCommand(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, PREDICT_OPTIONS, 'predict');
  if (o.help) { process.stdout.write(`${PREDICT_HELP}\n`); return 0; }
  if (positionals.length < 1) throw usageError('predict needs a model: wasmnn predict MODEL [TEXT...] (texts as arguments or one per line on stdin)');
  const [modelPath, ...texts] = positionals;
  const batchSize = (o['batch-size'] as number | undefined) ?? 256;
  await startRuntime(o.threads as number | undefined);
  const { classifier } = await loadClassifier(modelPath);
  const emit = (batch: string[]) => writeBatch(classifier, batch, !!o.json, batchSize);
  if (texts.length) {
    for (let s = 0; s < texts.length; s += batchSize) await emit(texts.slice(s, s + batchSize));
    return 0;
  }
  if (process.stdin.isTTY) process.stderr.write('wasmnn: reading texts from stdin, one per line (end with Ctrl-D)\n');
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let batch: string[] = [];
  for await (const line of rl) {
    batch.push(line);
    if (batch.length >= batchSize) { await emit(batch); batch = []; }
  }
  if (batch.length) await emit(batch);
  return 0;
}

async function writeBatch(c: TextClassifier, texts: string[], json: boolean, batchSize: number): Promise<void> {
  const preds = c.predict(texts, { batchSize });
  const lines = preds.map((p) => (json
    ? JSON.stringify({ label: p.label, probabilities: p.probabilities })
    : [p.label, ...c.labels.map((l) => `${l}=${p.probabilities[l].toFixed(4)}`)].join('\t')));
  const chunk = `${lines.join('\n')}\n`;
  // respect back-pressure: wait for the pipe to drain before classifying more
  if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
}
