// `wasmnn train DATA`: trains a text classifier on a CSV / TSV / JSONL file with progress,
// checkpoints after every epoch (--resume continues bit-exactly), Ctrl-C handling, evaluation on
// the validation and --test data, an optional HTML report, and the model saved atomically.
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ARCHITECTURES, ARCH_NAMES, DEFAULT_ARCH, isArchName } from '../classifier/architectures.js';
import { TextClassifier } from '../classifier/text_classifier.js';
import { labelOrder, TrainingInterrupted, trainTextClassifier, ValidationSplitError, type Checkpoint, type StartInfo } from '../classifier/train.js';
import { writeFileAtomic } from '../io/node.js';
import { checkQuantization, QUANTIZATIONS } from '../io/quantize.js';
import type { ClassReport } from '../metrics.js';
import { formatOptions, parseArgs, type OptionSpec } from './args.js';
import { readDataset } from './data.js';
import { dataError, nearest, usageError } from './errors.js';
import { formatDuration, Progress, progressMode, round } from './progress.js';
import { renderReport } from './report.js';
import { checkKnownLabels, classReportJson, evaluateClassifier, formatClassReport, HELP, startRuntime, THREADS } from './shared.js';

const DEFAULTS = ARCHITECTURES[DEFAULT_ARCH].defaults;

export const TRAIN_OPTIONS: OptionSpec[] = [
  { name: 'format', type: 'string', value: 'csv|tsv|jsonl', help: 'format of DATA and --test', defaultText: 'from the file extension' },
  { name: 'text-column', type: 'string', value: 'NAME', help: 'column (JSONL key) of the texts', defaultText: 'text' },
  { name: 'label-column', type: 'string', value: 'NAME', help: 'column (JSONL key) of the labels', defaultText: 'label' },
  { name: 'arch', type: 'string', value: ARCH_NAMES.join('|'), help: 'model architecture', defaultText: DEFAULT_ARCH },
  { name: 'epochs', type: 'int', min: 1, help: 'passes over the training data', defaultText: `${DEFAULTS.epochs} for ${DEFAULT_ARCH}` },
  { name: 'batch-size', type: 'int', min: 1, help: 'samples per training step', defaultText: String(DEFAULTS.batchSize) },
  { name: 'lr', type: 'number', min: 1e-12, help: 'learning rate (Adam)', defaultText: `${DEFAULTS.learningRate} for ${DEFAULT_ARCH}` },
  { name: 'max-len', type: 'int', min: 1, help: 'ids kept per text', defaultText: `${DEFAULTS.maxLen} for ${DEFAULT_ARCH}` },
  { name: 'vocab-size', type: 'int', min: 2, help: 'largest vocabulary (with padding and unknown ids)', defaultText: `${DEFAULTS.vocabSize} for ${DEFAULT_ARCH}` },
  { name: 'buckets', type: 'int', min: 1, help: 'hash buckets of the bag model\'s word bigrams (fewer: a smaller model file)', defaultText: `${DEFAULTS.buckets} for ${DEFAULT_ARCH}` },
  THREADS,
  { name: 'fma', type: 'flag', help: 'train on the fused multiply-add build (relaxed SIMD): faster on most CPUs, results not bit-exact across machines' },
  { name: 'seed', type: 'int', min: 0, help: 'seed of the weights, validation split, shuffling', defaultText: '42' },
  { name: 'val-split', type: 'number', min: 0, below: 1, help: 'fraction of every class held out for validation', defaultText: '0.1' },
  { name: 'test', type: 'string', value: 'DATA', help: 'labelled test data to evaluate the model on after training' },
  { name: 'out', type: 'string', value: 'FILE', help: 'where to save the model', defaultText: 'model.wnn' },
  { name: 'quantize', type: 'string', value: `${QUANTIZATIONS.join('|')}|float32`, help: 'store the large weights as int8 (about 1/4 of the file) or float16 (1/2); the accuracies reported are the saved model\'s', defaultText: 'float32' },
  { name: 'checkpoint-dir', type: 'string', value: 'DIR', help: 'where checkpoints go (kept after training)', defaultText: 'beside --out, named after it without its extension (model.checkpoints for model.wnn); removed after training' },
  { name: 'resume', type: 'flag', help: 'continue from the last checkpoint (same DATA; settings come from the checkpoint, --epochs may grow)' },
  { name: 'report', type: 'string', value: 'FILE.html', help: 'write an HTML report: learning curves and confusion matrices' },
  { name: 'json', type: 'flag', help: 'print one JSON object per line' },
  { name: 'quiet', type: 'flag', help: 'print only errors' },
  HELP,
];

export const TRAIN_HELP = `Usage: wasmnn train DATA [options]

Trains a text classifier on DATA (a .csv, .tsv or .jsonl file of texts and labels) and saves it.

Options:
${formatOptions(TRAIN_OPTIONS)}

Architectures:
${ARCH_NAMES.map((a) => `  ${a.padEnd(8)}${ARCHITECTURES[a].description}`).join('\n')}

Examples:
  wasmnn train reviews.csv --out reviews.wnn
  wasmnn train data.jsonl --arch lstm --epochs 6 --test test.jsonl --report report.html
  wasmnn train data.tsv --checkpoint-dir ckpt    # after Ctrl-C: the same command plus --resume`;

const CHECKPOINT_FILE = 'last.wnn';

export async function trainCommand(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, TRAIN_OPTIONS, 'train');
  if (o.help) { process.stdout.write(`${TRAIN_HELP}\n`); return 0; }
  if (positionals.length !== 1) throw usageError(positionals.length ? `train takes one DATA file, got ${positionals.length} (${positionals.join(' ')})` : 'train needs a DATA file: wasmnn train DATA [options] (see wasmnn train --help)');
  const arch = o.arch as string | undefined;
  if (arch !== undefined && !isArchName(arch)) {
    const guess = nearest(arch, ARCH_NAMES);
    throw usageError(`unknown --arch '${arch}'; choose one of ${ARCH_NAMES.join(', ')}${guess ? ` (did you mean ${guess}?)` : ''}`);
  }
  if (o.json && o.quiet) throw usageError('--json and --quiet exclude each other; pick one');
  let quantize: ReturnType<typeof checkQuantization>;
  try { quantize = checkQuantization(o.quantize, 'train'); } catch { throw usageError(`--quantize must be ${QUANTIZATIONS.join(', ')} or float32, got '${String(o.quantize)}'`); }
  const dataPath = positionals[0];
  const out = (o.out as string | undefined) ?? 'model.wnn';
  const explicitDir = o['checkpoint-dir'] as string | undefined;
  const ckptDir = explicitDir ?? join(dirname(out), `${basename(out, extname(out))}.checkpoints`);
  const ckptPath = join(ckptDir, CHECKPOINT_FILE);
  const columns = { format: o.format as string | undefined, textColumn: o['text-column'] as string | undefined, labelColumn: o['label-column'] as string | undefined };

  const data = await readDataset(dataPath, columns);
  const distinct = new Set(data.labels);
  if (distinct.size < 2) throw dataError(`${dataPath}: every row has the label '${data.labels[0]}'; a classifier needs at least two different labels`);
  const test = o.test ? await readDataset(o.test as string, columns) : null;
  // what would fail only after training, found before it: where the model and the report go
  await checkWritable(out, '--out');
  if (o.report) await checkWritable(o.report as string, '--report');

  const mode = progressMode(o as { json?: boolean; quiet?: boolean }, process.stdout);
  let resume: TextClassifier | undefined;
  await startRuntime(o.threads as number | undefined, o.fma === true);
  if (o.resume) {
    let bytes: Buffer;
    try { bytes = await readFile(ckptPath); } catch {
      throw dataError(`--resume: there is no checkpoint ${ckptPath} to resume from; run without --resume${explicitDir ? '' : ' (or pass the --checkpoint-dir of the interrupted run)'}`);
    }
    try { resume = TextClassifier.fromBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)); } catch (e) {
      throw dataError(`cannot load checkpoint ${ckptPath}: ${(e as Error).message.replace(/^wasmnn: /, '')}`);
    }
  }
  // the labels are known from the training data (or the checkpoint) before training starts
  if (test) checkKnownLabels(resume?.labels ?? labelOrder(data.labels), test.labels, `test data ${o.test}`);

  const ac = new AbortController();
  let progress: Progress | null = null;
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);   // a second Ctrl-C: leave at once
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  const t0 = performance.now();
  try {
    const result = await trainTextClassifier(data.texts, data.labels, {
      arch: arch as StartInfo['arch'] | undefined,
      epochs: o.epochs as number | undefined, batchSize: o['batch-size'] as number | undefined, learningRate: o.lr as number | undefined,
      maxLen: o['max-len'] as number | undefined, vocabSize: o['vocab-size'] as number | undefined, buckets: o.buckets as number | undefined,
      seed: o.seed as number | undefined, valSplit: (o['val-split'] as number | undefined) ?? 0.1,
      resume, signal: ac.signal,
      onStart: async (info) => {
        progress = new Progress(mode, process.stdout, info.settings.epochs, info.trainSamples, info.settings.batchSize);
        const s = info.settings;
        progress.info(`${info.startEpoch ? `Resuming from epoch ${info.startEpoch}: ` : ''}${info.arch} model, ${info.classifier.model.countParams().toLocaleString('en-US')} parameters; ${info.trainSamples} training and ${info.validationSamples} validation texts; labels ${info.labels.join(', ')}`);
        progress.info(`epochs ${s.epochs}, batch size ${s.batchSize}, learning rate ${s.learningRate}, max length ${s.maxLen}, vocabulary ${info.classifier.vectorizer.vocabulary.size}, seed ${info.seed}`);
        progress.event({ event: 'start', arch: info.arch, settings: s, seed: info.seed, startEpoch: info.startEpoch, trainSamples: info.trainSamples, validationSamples: info.validationSamples, labels: info.labels, parameters: info.classifier.model.countParams() });
        await mkdir(ckptDir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
          throw dataError(`cannot make the checkpoint directory ${ckptDir} (${e.code ?? e.message}); pass a --checkpoint-dir that can be created`);
        });
      },
      onCheckpoint: async (c: Checkpoint) => { await writeFileAtomic(ckptPath, c.bytes()); },
      callbacks: [{
        onEpochBegin: (e) => progress?.onEpochBegin(e),
        onBatchEnd: (b, logs) => progress?.onBatchEnd(b, logs),
        onEpochEnd: (e, logs) => progress?.onEpochEnd(e, logs),
      }],
    });
    process.off('SIGINT', onSigint);
    const p = progress as Progress | null ?? new Progress(mode, process.stdout, 0, 1, 1);
    const { classifier, history, state } = result;
    const seconds = (performance.now() - t0) / 1000;
    // with --quantize the evaluations are of the model as saved: the quantized file read back
    // (quantizing is deterministic, so the file written below holds the same weights)
    // (a weight beyond float16's range cannot be quantized to it: the float32 model is saved then)
    let evaluated = classifier;
    let quantizeError: unknown = null;
    if (quantize) {
      try { evaluated = TextClassifier.fromBytes(classifier.toBytes({ quantize })); } catch (e) { quantizeError = e; }
    }
    const evaluations: { name: string; report: ClassReport }[] = [];
    // an evaluation that fails must not lose the trained model: it is saved first, then reported
    let evaluationError: unknown = null;
    try {
      if (result.validation) evaluations.push({ name: 'validation', report: evaluateClassifier(evaluated, result.validation.texts, result.validation.labels, 'the validation data') });
      if (test) evaluations.push({ name: 'test', report: evaluateClassifier(evaluated, test.texts, test.labels, `test data ${o.test}`) });
    } catch (e) {
      evaluationError = e;
    }
    if (evaluated !== classifier) evaluated.model.dispose();
    const training: Record<string, unknown> = {
      ...state, data: basename(dataPath), date: new Date().toISOString(), seconds: round(seconds, 1), ...(quantize ? { quantize } : {}),
      ...Object.fromEntries(evaluations.map((e) => [`${e.name}Accuracy`, e.report.accuracy])),
    };
    try {
      await writeFileAtomic(out, classifier.toBytes({ training: quantizeError ? { ...training, quantize: undefined } : training, quantize: quantizeError ? null : quantize }));
    } catch (e) {
      // the last checkpoint holds the trained weights: --resume finds every epoch done and saves
      throw dataError(`${(e as Error).message.replace(/^wasmnn: /, '')}. The trained model is in the checkpoint ${ckptPath}; to save it, run: ${resumeCommand(dataPath, o)}`);
    }
    if (!explicitDir) await rm(ckptDir, { recursive: true, force: true });
    if (evaluationError) {
      const m = evaluationError instanceof Error ? evaluationError.message : String(evaluationError);
      throw dataError(`${m.replace(/^wasmnn: /, '')} (the trained model was saved to ${out} before this evaluation)`);
    }
    if (o.report) {
      const html = renderReport({
        title: `wasmnn: ${basename(dataPath)} (${state.arch})`,
        facts: [['data', dataPath], ['architecture', `${state.arch}: ${ARCHITECTURES[state.arch].description}`], ['parameters', classifier.model.countParams().toLocaleString('en-US')],
          ['epochs', String(state.epochsDone)], ['samples', `${state.samples.train} training, ${state.samples.validation} validation${test ? `, ${test.texts.length} test` : ''}`],
          ['training time', formatDuration(seconds)], ['model file', out], ['date', String(training.date)]],
        history, labels: classifier.labels, evaluations,
      });
      await writeFileAtomic(o.report as string, html);
    }
    for (const e of evaluations) {
      p.info(`\n${e.name}: ${formatClassReport(classifier.labels, e.report)}`);
      p.event({ event: 'evaluation', set: e.name, ...classReportJson(classifier.labels, e.report) });
    }
    p.info(`\nSaved ${out} (${formatDuration(seconds)})${o.report ? `; report ${o.report}` : ''}${explicitDir ? `; checkpoints in ${ckptDir}` : ''}`);
    p.event({ event: 'done', model: out, report: o.report ?? null, seconds: round(seconds, 3), epochs: state.epochsDone, history: history.history });
    // the run is complete (figures, report, model), but not as asked: say so last, and exit 1
    if (quantizeError) {
      const m = quantizeError instanceof Error ? quantizeError.message : String(quantizeError);
      throw dataError(`${m.replace(/^wasmnn: /, '')} (the model was saved to ${out} in float32; its figures above are float32's)`);
    }
    return 0;
  } catch (e) {
    process.off('SIGINT', onSigint);
    if (e instanceof TrainingInterrupted) {
      (progress as Progress | null)?.breakLine();
      await writeFileAtomic(ckptPath, e.checkpoint.bytes());
      const resume = resumeCommand(dataPath, o);
      const msg = `wasmnn: interrupted during epoch ${e.epoch + 1}; saved the checkpoint after epoch ${e.checkpoint.epochsDone} to ${ckptPath}. To continue: ${resume}`;
      if (mode === 'json') process.stdout.write(`${JSON.stringify({ event: 'interrupted', epoch: e.epoch + 1, checkpoint: ckptPath, epochsDone: e.checkpoint.epochsDone, resume })}\n`);
      process.stderr.write(`${msg}\n`);
      return 130;
    }
    if (e instanceof ValidationSplitError) {
      // the CLI's words for it: the flag, and whether it was the default
      const subject = `--val-split ${e.valSplit}${o['val-split'] === undefined ? ' (the default)' : ''}`;
      const m = ValidationSplitError.describe(e, subject, 'pass --val-split', 'pass --val-split 0');
      throw e.smallestSplit === null ? dataError(m) : usageError(m);
    }
    throw e;
  }
}

/** Options the resumed run needs as given: how DATA is read (its fingerprint is checked), where the
 *  checkpoint, model and report go, what is evaluated, and how it runs. The model's settings come
 *  from the checkpoint. */
const RESUME_OPTIONS = ['format', 'text-column', 'label-column', 'test', 'epochs', 'threads', 'fma', 'out', 'quantize', 'checkpoint-dir', 'report', 'json', 'quiet'];

/** The command that continues an interrupted run: every option it needs, shell-quoted. */
export function resumeCommand(dataPath: string, o: Record<string, string | number | boolean | undefined>): string {
  const words = ['wasmnn', 'train', dataPath, '--resume'];
  for (const name of RESUME_OPTIONS) {
    const v = o[name];
    if (v === undefined || v === false) continue;
    words.push(`--${name}`);
    if (v !== true) words.push(String(v));
  }
  return words.map(shellQuote).join(' ');
}

/** A word as a POSIX shell reads it back: bare when it is safe, else in single quotes. */
export function shellQuote(s: string): string {
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Fails now, with a message that says what to do, where writing FILE after training would fail:
 * a directory there, a missing or unwritable directory (a file is created and removed in it, as the
 * atomic write will).
 */
export async function checkWritable(path: string, flag: string): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) throw usageError(`${flag} ${path} is a directory; name a file, e.g. ${join(path, flag === '--report' ? 'report.html' : 'model.wnn')}`);
  const dir = dirname(path);
  const probe = join(dir, `.${basename(path)}.${process.pid}.probe`);
  try {
    await (await open(probe, 'wx')).close();
    await rm(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `the directory ${dir} does not exist; create it first or pick another path`
      : code === 'ENOTDIR' ? `${dir} is not a directory; pick another path`
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `no permission to write in ${dir}; pick a writable location`
          : `${(e as Error).message}; pick another path`;
    throw dataError(`cannot write ${flag} ${path}: ${why} (checked before training, so no training time is lost)`);
  }
}
