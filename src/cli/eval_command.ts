// `wasmnn eval MODEL DATA`: accuracy, per-class precision / recall / F1 and the confusion matrix.
import { formatOptions, parseArgs, type OptionSpec } from './args.js';
import { dataOptionSpecs, dataOptionsOf, readDataset } from './data.js';
import { usageError } from './errors.js';
import { classReportJson, evaluateClassifier, EXIT_CODES, formatClassReport, HELP, loadClassifier, startRuntime, THREADS } from './shared.js';

export const EVAL_OPTIONS: OptionSpec[] = [
  ...dataOptionSpecs('DATA'),
  { name: 'batch-size', type: 'int', min: 1, help: 'texts per inference batch', defaultText: '64' },
  THREADS,
  { name: 'json', type: 'flag', help: 'print the results as one JSON object' },
  HELP,
];

export const EVAL_HELP = `Usage: wasmnn eval MODEL DATA [options]

Evaluates a trained model on labelled data: accuracy, per-class precision, recall and F1, and the
confusion matrix. The macro averages are over the labels that occur in DATA or in the predictions.

Options:
${formatOptions(EVAL_OPTIONS)}

${EXIT_CODES}`;

export async function evalCommand(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, EVAL_OPTIONS, 'eval');
  if (o.help) { process.stdout.write(`${EVAL_HELP}\n`); return 0; }
  if (positionals.length !== 2) throw usageError('eval needs a model and a data file: wasmnn eval MODEL DATA (see wasmnn eval --help)');
  const columns = dataOptionsOf(o);
  const [modelPath, dataPath] = positionals;
  const data = await readDataset(dataPath, columns);
  await startRuntime(o.threads as number | undefined);
  const { classifier } = await loadClassifier(modelPath, 'wasmnn eval MODEL DATA');
  const t0 = performance.now();
  const report = evaluateClassifier(classifier, data.texts, data.labels, dataPath, o['batch-size'] as number | undefined);
  const seconds = (performance.now() - t0) / 1000;
  if (o.json) process.stdout.write(`${JSON.stringify({ model: modelPath, data: dataPath, samples: data.texts.length, seconds, ...classReportJson(classifier.labels, report) })}\n`);
  else process.stdout.write(`${modelPath} on ${dataPath} (${data.texts.length} texts, ${seconds.toFixed(1)}s)\n${formatClassReport(classifier.labels, report)}\n`);
  return 0;
}
