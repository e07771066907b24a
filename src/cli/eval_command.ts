// `wasmnn eval MODEL DATA`: accuracy, per-class precision / recall / F1 and the confusion matrix.
import { formatOptions, parseArgs, type OptionSpec } from './args.js';
import { readDataset } from './data.js';
import { usageError } from './errors.js';
import { classReportJson, evaluateClassifier, formatClassReport, HELP, loadClassifier, startRuntime, THREADS } from './shared.js';

export const EVAL_OPTIONS: OptionSpec[] = [
  { name: 'format', type: 'string', value: 'csv|tsv|jsonl', help: 'format of DATA', defaultText: 'from the file extension' },
  { name: 'text-column', type: 'string', value: 'NAME', help: 'column (JSONL key) of the texts', defaultText: 'text' },
  { name: 'label-column', type: 'string', value: 'NAME', help: 'column (JSONL key) of the labels', defaultText: 'label' },
  { name: 'batch-size', type: 'int', min: 1, help: 'texts per inference batch', defaultText: '64' },
  THREADS,
  { name: 'json', type: 'flag', help: 'print the results as one JSON object' },
  HELP,
];

export const EVAL_HELP = `Usage: wasmnn eval MODEL DATA [options]

Evaluates a trained model on labelled data: accuracy, per-class precision, recall and F1, and the
confusion matrix.

Options:
${formatOptions(EVAL_OPTIONS)}`;

export async function evalCommand(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, EVAL_OPTIONS, 'eval');
  if (o.help) { process.stdout.write(`${EVAL_HELP}\n`); return 0; }
  if (positionals.length !== 2) throw usageError('eval needs a model and a data file: wasmnn eval MODEL DATA (see wasmnn eval --help)');
  const [modelPath, dataPath] = positionals;
  const data = await readDataset(dataPath, { format: o.format as string | undefined, textColumn: o['text-column'] as string | undefined, labelColumn: o['label-column'] as string | undefined });
  await startRuntime(o.threads as number | undefined);
  const { classifier } = await loadClassifier(modelPath);
  const t0 = performance.now();
  const report = evaluateClassifier(classifier, data.texts, data.labels, dataPath, o['batch-size'] as number | undefined);
  const seconds = (performance.now() - t0) / 1000;
  if (o.json) process.stdout.write(`${JSON.stringify({ model: modelPath, data: dataPath, samples: data.texts.length, seconds, ...classReportJson(classifier.labels, report) })}\n`);
  else process.stdout.write(`${modelPath} on ${dataPath} (${data.texts.length} texts, ${seconds.toFixed(1)}s)\n${formatClassReport(classifier.labels, report)}\n`);
  return 0;
}
