// `wasmnn info MODEL`: architecture, parameter count, vocabulary size, labels and training metadata.
import { formatOptions, parseArgs, type OptionSpec } from './args.js';
import { usageError } from './errors.js';
import { HELP, loadClassifier, startRuntime } from './shared.js';

export const INFO_OPTIONS: OptionSpec[] = [
  { name: 'json', type: 'flag', help: 'print the information as one JSON object' },
  HELP,
];

export const INFO_HELP = `Usage: wasmnn info MODEL [options]

Shows a model file's architecture, parameter count, vocabulary size, labels and training metadata.

Options:
${formatOptions(INFO_OPTIONS)}`;

/** Training metadata fields shown as text, in this order (the rest only with --json). */
const SHOWN = ['arch', 'data', 'date', 'epochsDone', 'seed', 'seconds', 'validationAccuracy', 'testAccuracy'];

export async function infoCommand(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, INFO_OPTIONS, 'info');
  if (o.help) { process.stdout.write(`${INFO_HELP}\n`); return 0; }
  if (positionals.length !== 1) throw usageError('info needs one model file: wasmnn info MODEL');
  await startRuntime(1);
  const path = positionals[0];
  const { classifier, bytes } = await loadClassifier(path);
  const { model, vectorizer, labels, training } = classifier;
  const v = vectorizer.config;
  const info = {
    file: path, bytes,
    layers: model.layers.map((l) => ({ name: l.name, className: l.className, outputShape: l.outputShape, parameters: l.countParams() })),
    parameters: model.countParams(),
    vocabularySize: vectorizer.vocabulary.size,
    inputIds: vectorizer.vocabularySize,
    maxLen: v.outputSequenceLength,
    tokenizer: { tokenizer: v.tokenizer, ngrams: v.ngrams, normalize: v.normalize },
    labels,
    training,
  };
  if (o.json) { process.stdout.write(`${JSON.stringify(info)}\n`); return 0; }
  const t = training ?? {};
  const lines = [`${path} (${(bytes / 1e6).toFixed(1)} MB)`, '', model.summary(false), '',
    `vocabulary: ${info.vocabularySize} tokens${v.ngrams?.buckets ? ` + ${v.ngrams.buckets} n-gram buckets` : ''}; ${v.tokenizer} tokenizer; max length ${v.outputSequenceLength ?? 'none'}`,
    `labels: ${labels.join(', ')}`];
  const shown = SHOWN.filter((k) => t[k] !== undefined);
  if (shown.length) lines.push('training:', ...shown.map((k) => `  ${k}: ${typeof t[k] === 'number' && !Number.isInteger(t[k]) ? (t[k] as number).toFixed(4) : String(t[k])}`));
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
