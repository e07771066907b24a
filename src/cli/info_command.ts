// `wasmnn info MODEL`: architecture, parameter count, vocabulary size, labels and training metadata.
import { formatOptions, parseArgs, type OptionSpec } from './args.js';
import { usageError } from './errors.js';
import { EXIT_CODES, HELP, loadClassifier, startRuntime } from './shared.js';
import { weightStorage } from '../io/quantize.js';

export const INFO_OPTIONS: OptionSpec[] = [
  { name: 'json', type: 'flag', help: 'print the information as one JSON object' },
  HELP,
];

export const INFO_HELP = `Usage: wasmnn info MODEL [options]

Shows a model file's architecture, parameter count, vocabulary size, labels and training metadata.

Options:
${formatOptions(INFO_OPTIONS)}

${EXIT_CODES}`;

/** Training metadata fields shown as text, in this order (the rest only with --json). */
const SHOWN = ['arch', 'data', 'date', 'epochsDone', 'seed', 'seconds', 'validationAccuracy', 'testAccuracy'];

export async function infoCommand(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, INFO_OPTIONS, 'info');
  if (o.help) { process.stdout.write(`${INFO_HELP}\n`); return 0; }
  if (positionals.length !== 1) throw usageError('info needs one model file: wasmnn info MODEL');
  await startRuntime(1);
  const path = positionals[0];
  const { classifier, bytes, file } = await loadClassifier(path);
  // how the file stores each weight: F32, or quantized (F16, I8 with per-row scales)
  const storage = weightStorage(file);
  const { model, vectorizer, labels, training } = classifier;
  const v = vectorizer.config;
  const info = {
    file: path, bytes, storage,
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
    `labels: ${labels.join(', ')}`, `weights stored as: ${storageLine(storage)}`];
  const shown = SHOWN.filter((k) => t[k] !== undefined);
  if (shown.length) lines.push('training:', ...shown.map((k) => `  ${k}: ${typeof t[k] === 'number' && !Number.isInteger(t[k]) ? (t[k] as number).toFixed(4) : String(t[k])}`));
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** "float32" or e.g. "int8 (embedding/embeddings, lstm/kernel), float32 (the rest)". */
function storageLine(storage: Record<string, string>): string {
  const names: Record<string, string> = { F32: 'float32', F16: 'float16', I8: 'int8 with per-row scales' };
  const by = new Map<string, string[]>();
  for (const [w, d] of Object.entries(storage)) by.set(d, [...(by.get(d) ?? []), w]);
  if (by.size === 1) return names[[...by.keys()][0]] ?? [...by.keys()][0];
  return [...by].filter(([d]) => d !== 'F32').map(([d, ws]) => `${names[d] ?? d} (${ws.join(', ')})`).concat(by.has('F32') ? ['float32 (the rest)'] : []).join(', ');
}
