// `wasmnn quantize MODEL --to int8|float16`: rewrites a model file with its large weights stored as
// int8 (per-row scales, about a quarter of the bytes) or float16 (half), e.g. to fit a Cloudflare
// Worker's upload limit. With --test DATA it evaluates both models on the same data, so the cost in
// accuracy is known before the smaller file ships.
import { basename, dirname, extname, join } from 'node:path';
import { TextClassifier } from '../classifier/text_classifier.js';
import { writeFileAtomic } from '../io/node.js';
import { checkQuantization, QUANTIZATIONS, weightStorage, type Quantization } from '../io/quantize.js';
import { formatOptions, parseArgs, type OptionSpec } from './args.js';
import { dataOptionSpecs, dataOptionsOf, readDataset } from './data.js';
import { usageError } from './errors.js';
import { checkDistinctPaths, checkWritable } from './paths.js';
import { classReportJson, evaluateClassifier, EXIT_CODES, HELP, loadClassifier, startRuntime } from './shared.js';

export const QUANTIZE_OPTIONS: OptionSpec[] = [
  { name: 'to', type: 'string', value: QUANTIZATIONS.join('|'), help: 'how the large weights are stored: int8 (a scale per row, about 1/4 of the bytes) or float16 (1/2)', defaultText: 'int8' },
  { name: 'out', type: 'string', value: 'FILE', help: 'where to save the quantized model', defaultText: 'beside MODEL, named MODEL-int8.wnn (or -float16)' },
  { name: 'test', type: 'string', value: 'DATA', help: 'labelled data to evaluate the model on before and after' },
  ...dataOptionSpecs('--test'),
  { name: 'json', type: 'flag', help: 'print the result as one JSON object' },
  HELP,
];

export const QUANTIZE_HELP = `Usage: wasmnn quantize MODEL [options]

Saves a copy of a text classifier whose large weights (4,096 values or more: embeddings, recurrent
and convolution kernels) are stored as int8 with a float32 scale per row, or as float16. Biases and
small layers stay float32. The copy loads and predicts everywhere the original does (as float32),
and cannot resume training (optimizer state is not kept).

Options:
${formatOptions(QUANTIZE_OPTIONS)}

Example:
  wasmnn quantize model.wnn --to int8 --test test.csv --out worker/model/classifier.wnn

${EXIT_CODES}`;

/** MODEL-int8.wnn beside MODEL. */
function defaultOut(model: string, q: Quantization): string {
  const ext = extname(model) || '.wnn';
  return join(dirname(model), `${basename(model, extname(model))}-${q}${ext}`);
}

export async function quantizeCommand(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, QUANTIZE_OPTIONS, 'quantize');
  if (o.help) { process.stdout.write(`${QUANTIZE_HELP}\n`); return 0; }
  if (positionals.length !== 1) throw usageError('quantize needs one model file: wasmnn quantize MODEL --to int8 (see wasmnn quantize --help)');
  let q: Quantization | null;
  try {
    q = checkQuantization(o.to ?? 'int8', 'quantize');
  } catch {
    throw usageError(`--to must be ${QUANTIZATIONS.join(' or ')}, got '${String(o.to)}'`);
  }
  // checkQuantization reads 'float32' as "no quantization" (train --quantize float32): here that
  // would be a copy of the same size named MODEL-null.wnn
  if (q === null) {
    throw usageError(`--to must be ${QUANTIZATIONS.join(' or ')}, got '${String(o.to)}': quantize only makes smaller files, and float32 is what a model file that is not quantized already holds (a quantized file loads as float32 everywhere)`);
  }
  const columns = dataOptionsOf(o);
  const modelPath = positionals[0];
  const out = (o.out as string | undefined) ?? defaultOut(modelPath, q);
  const testPath = o.test as string | undefined;
  // before any work: the copy written over MODEL or the test data would destroy it
  await checkDistinctPaths([
    { name: `MODEL ${modelPath}`, path: modelPath, what: 'the model', output: false },
    ...(testPath !== undefined ? [{ name: `--test ${testPath}`, path: testPath, what: 'the test data', output: false }] : []),
    { name: `--out ${out}${o.out === undefined ? ' (the default)' : ''}`, path: out, what: `the ${q} copy`, output: true, fix: `pick another --out, e.g. ${defaultOut(modelPath, q) === out ? `${defaultOut(modelPath, q).replace(/(\.[^./]*)?$/, '-2$1')}` : defaultOut(modelPath, q)}` },
  ]);
  await checkWritable(out, '--out');
  const test = testPath ? await readDataset(testPath, columns) : null;
  await startRuntime(1);
  const { classifier, bytes: before, file } = await loadClassifier(modelPath);
  const already = [...new Set(Object.values(weightStorage(file)).filter((d) => d !== 'F32'))];
  const bytes = classifier.toBytes({ quantize: q });
  // evaluated as saved: the quantized file read back
  const quantized = TextClassifier.fromBytes(bytes);
  const result: Record<string, unknown> = { model: modelPath, out, quantize: q, bytesBefore: before, bytesAfter: bytes.length };
  const lines = [`${modelPath} (${mb(before)}) -> ${out} (${mb(bytes.length)}, ${(100 * bytes.length / before).toFixed(1)}%), ${q} weights: ${storedAs(bytes, q)}`];
  if (already.length) {
    const was = already.map((d) => (d === 'I8' ? 'int8' : 'float16')).join(' and ');
    lines.push(`note: ${modelPath} was already quantized (${was}); the copy starts from the values read back from it${bytes.length > before ? ', and is bigger' : ''}`);
    result.alreadyQuantized = was;
  }
  if (test) {
    const a = evaluateClassifier(classifier, test.texts, test.labels, `test data ${testPath}`);
    const b = evaluateClassifier(quantized, test.texts, test.labels, `test data ${testPath}`);
    const pa = classifier.predict(test.texts), pb = quantized.predict(test.texts);
    const same = pa.filter((p, i) => p.label === pb[i].label).length;
    Object.assign(result, { testSamples: test.texts.length, before: classReportJson(classifier.labels, a), after: classReportJson(classifier.labels, b), sameLabel: same / test.texts.length });
    lines.push(`test accuracy ${a.accuracy.toFixed(4)} -> ${b.accuracy.toFixed(4)} (macro F1 ${a.macroF1.toFixed(4)} -> ${b.macroF1.toFixed(4)}); the same label for ${same} of ${test.texts.length} texts`);
  }
  quantized.model.dispose();
  await writeFileAtomic(out, bytes);
  process.stdout.write(o.json ? `${JSON.stringify(result)}\n` : `${lines.join('\n')}\n`);
  return 0;
}

const mb = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} KB`);

/** The weights the quantized file stores as q (the others stay float32). */
function storedAs(file: Uint8Array, q: Quantization): string {
  const names = Object.entries(weightStorage(file)).filter(([, d]) => d !== 'F32').map(([name]) => name);
  return names.length ? names.join(', ') : `none (every weight is under 4,096 values, so the file keeps float32; ${q} would save nothing)`;
}
