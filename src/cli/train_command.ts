// `wasmnn train DATA`: trains a text classifier on a CSV / TSV / JSONL file with progress,
// checkpoints after every epoch (--resume continues bit-exactly), Ctrl-C handling, evaluation on
// the validation and --test data, an optional HTML report, and the model saved atomically.
import { mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ARCHITECTURES, ARCH_NAMES, DEFAULT_ARCH, isArchName } from '../classifier/architectures.js';
import { TextClassifier } from '../classifier/text_classifier.js';
import { labelOrder, ResumeSettingsError, TrainingInterrupted, trainTextClassifier, ValidationSplitError, type Checkpoint, type ResumeKept, type StartInfo } from '../classifier/train.js';
import { writeFileAtomic } from '../io/node.js';
import { checkQuantization, QUANTIZATIONS } from '../io/quantize.js';
import { decodeSafetensorsHeader } from '../io/safetensors.js';
import type { ClassReport } from '../metrics.js';
import { MAX_SEED } from '../random.js';
import { MAX_SEQUENCE_LENGTH } from '../text/vectorizer.js';
import { formatOptions, parseArgs, type OptionSpec } from './args.js';
import { dataOptionSpecs, dataOptionsOf, readDataset } from './data.js';
import { TrainingDivergedError } from '../advice.js';
import { cliMessage, dataError, nearest, translateError, usageError } from './errors.js';
import { checkDistinctPaths, checkWritable, shellQuote, type NamedPath } from './paths.js';
import { formatDuration, Progress, progressMode, round } from './progress.js';
import { renderReport } from './report.js';
import { checkKnownLabels, classReportJson, evaluateClassifier, EXIT_CODES, formatClassReport, HELP, startRuntime, THREADS } from './shared.js';

export { checkWritable, shellQuote };

const DEFAULTS = ARCHITECTURES[DEFAULT_ARCH].defaults;

/**
 * Most rows an embedding table may have from the command line (--vocab-size, --buckets): 2^24 rows
 * of 32 float32 values (every architecture's embedding width) are 2 GiB, all the memory the runtime
 * has in node (src/runtime/runtime.ts: maxMemoryBytes defaults to 2^31 there), before the gradients
 * and Adam's two moments; a larger value could only fail, after the data is read, as out of memory.
 * (The library's own limit is ids below 2^31.)
 */
export const MAX_TABLE_ROWS = 2 ** 31 / (4 * Math.min(...ARCH_NAMES.map((a) => ARCHITECTURES[a].defaults.embeddingDim)));

export const TRAIN_OPTIONS: OptionSpec[] = [
  ...dataOptionSpecs('DATA and --test'),
  { name: 'arch', type: 'string', value: ARCH_NAMES.join('|'), help: 'model architecture', defaultText: DEFAULT_ARCH },
  { name: 'epochs', type: 'int', min: 1, help: 'passes over the training data', defaultText: `${DEFAULTS.epochs} for ${DEFAULT_ARCH}` },
  { name: 'batch-size', type: 'int', min: 1, help: 'samples per training step', defaultText: String(DEFAULTS.batchSize) },
  { name: 'lr', type: 'number', above: 0, help: 'learning rate (Adam), a positive number', defaultText: `${DEFAULTS.learningRate} for ${DEFAULT_ARCH}` },
  { name: 'max-len', type: 'int', min: 1, max: MAX_SEQUENCE_LENGTH, maxWhy: 'a row of more ids would take more memory per text than a model should', help: `ids kept per text, at most ${MAX_SEQUENCE_LENGTH.toLocaleString('en-US')}`, defaultText: `${DEFAULTS.maxLen} for ${DEFAULT_ARCH}` },
  { name: 'vocab-size', type: 'int', min: 2, max: MAX_TABLE_ROWS, maxWhy: 'an embedding table of more rows would not fit in the 2 GiB of memory the runtime has', help: `largest vocabulary (with padding and unknown ids), at most ${MAX_TABLE_ROWS.toLocaleString('en-US')}`, defaultText: `${DEFAULTS.vocabSize} for ${DEFAULT_ARCH}` },
  { name: 'buckets', type: 'int', min: 1, max: MAX_TABLE_ROWS, maxWhy: 'the bag model\'s table of vocabulary + buckets rows would not fit in the 2 GiB of memory the runtime has', help: `hash buckets of the bag model's word bigrams (fewer: a smaller model file), at most ${MAX_TABLE_ROWS.toLocaleString('en-US')}`, defaultText: `${DEFAULTS.buckets} for ${DEFAULT_ARCH}` },
  THREADS,
  { name: 'fma', type: 'flag', help: 'train on the fused multiply-add build (relaxed SIMD): faster on most CPUs, results not bit-exact across machines' },
  { name: 'seed', type: 'int', min: 0, max: MAX_SEED, maxWhy: 'seeds are 32-bit: [0, 2^32)', help: 'seed of the weights, validation split, shuffling: 0 to 4294967295 (2^32 - 1)', defaultText: '42' },
  { name: 'val-split', type: 'number', min: 0, below: 1, help: 'fraction of every class held out for validation', defaultText: '0.1' },
  { name: 'test', type: 'string', value: 'DATA', help: 'labelled test data to evaluate the model on after training' },
  { name: 'out', type: 'string', value: 'FILE', help: 'where to save the model', defaultText: 'model.wnn' },
  { name: 'quantize', type: 'string', value: `${QUANTIZATIONS.join('|')}|float32`, help: 'store the large weights as int8 (about 1/4 of the file) or float16 (1/2); the accuracies reported are the saved model\'s', defaultText: 'float32' },
  { name: 'checkpoint-dir', type: 'string', value: 'DIR', help: 'where checkpoints go (kept after training)', defaultText: 'beside --out, named after it without its extension (model.checkpoints for model.wnn); its checkpoint removed after training' },
  { name: 'resume', type: 'flag', help: 'continue from the last checkpoint (same DATA; its settings: only --epochs may change)' },
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
  wasmnn train data.tsv --checkpoint-dir ckpt    # after Ctrl-C: the same command plus --resume
  wasmnn train export.csv --delimiter ';'        # a semicolon-separated "CSV"

${EXIT_CODES}, 130 interrupted (Ctrl-C; the checkpoint is saved and the command to resume printed)`;

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
  const columns = dataOptionsOf(o);
  const dataPath = positionals[0];
  const out = (o.out as string | undefined) ?? 'model.wnn';
  const explicitDir = o['checkpoint-dir'] as string | undefined;
  const ckptDir = explicitDir ?? defaultCheckpointDir(out);
  const ckptPath = join(ckptDir, CHECKPOINT_FILE);
  const testPath = o.test as string | undefined, reportPath = o.report as string | undefined;

  // before any work: an output that is an input (or another output) would destroy it
  await checkDistinctPaths(trainPaths(dataPath, testPath, out, o.out !== undefined, reportPath, ckptDir, explicitDir !== undefined));
  // what would fail only after training, found before it: where the model and the report go
  await checkWritable(out, '--out');
  if (reportPath) await checkWritable(reportPath, '--report');
  // a fresh run would overwrite (and then remove) a checkpoint it did not write
  if (!o.resume) await checkNoCheckpointLeft(ckptPath, explicitDir !== undefined, dataPath, o);

  const data = await readDataset(dataPath, columns);
  const distinct = new Set(data.labels);
  if (distinct.size < 2) throw dataError(`${dataPath}: every row has the label '${data.labels[0]}'; a classifier needs at least two different labels`);
  const test = testPath ? await readDataset(testPath, columns) : null;

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
  if (test) checkKnownLabels(resume?.labels ?? labelOrder(data.labels), test.labels, `test data ${testPath}`);

  const ac = new AbortController();
  let progress: Progress | null = null;
  const onSigint = () => {
    if (ac.signal.aborted) {
      // a second Ctrl-C: leave at once, saying what is on disk (checkpoints are written atomically)
      const kept = checkpointEpochs >= 0 ? `${ckptPath} holds the checkpoint after epoch ${checkpointEpochs}; continue with ${resumeCommand(dataPath, o)}` : 'no checkpoint of this run was written';
      (progress as Progress | null)?.breakLine();
      process.stderr.write(`wasmnn: interrupted again: exiting without saving the current epoch; ${kept}\n`);
      process.exit(130);
    }
    ac.abort();
  };
  // what this run did in the checkpoint directory, so that it removes only that (the default one)
  let createdDir = false;
  // epochs done in the first checkpoint this run wrote (the state it starts from; -1: it wrote
  // none) and in the one on disk now (-1: none of this run's, or it was removed)
  let startEpochs = -1, checkpointEpochs = -1;
  // the trained model is only in the checkpoint when saving it failed: keep it then
  let keepCheckpoint = false;
  const cleanCheckpoints = async () => {
    if (explicitDir || keepCheckpoint) return;
    // a resumed run continues the one that made the directory: it may go when empty, like a fresh run's
    await removeCheckpoint(ckptDir, startEpochs >= 0 || !!resume, createdDir || !!resume);
  };
  process.on('SIGINT', onSigint);
  const t0 = performance.now();
  try {
    const result = await trainTextClassifier(data.texts, data.labels, {
      arch: arch as StartInfo['arch'] | undefined,
      epochs: o.epochs as number | undefined, batchSize: o['batch-size'] as number | undefined, learningRate: o.lr as number | undefined,
      maxLen: o['max-len'] as number | undefined, vocabSize: o['vocab-size'] as number | undefined, buckets: o.buckets as number | undefined,
      seed: o.seed as number | undefined, valSplit: (o['val-split'] as number | undefined) ?? (o.resume ? undefined : 0.1),   // resumed: the checkpoint's
      resume, signal: ac.signal,
      onStart: async (info) => {
        progress = new Progress(mode, process.stdout, info.settings.epochs, info.trainSamples, info.settings.batchSize);
        const s = info.settings;
        progress.info(`${info.startEpoch ? `Resuming from epoch ${info.startEpoch}: ` : ''}${info.arch} model, ${info.classifier.model.countParams().toLocaleString('en-US')} parameters; ${info.trainSamples} training and ${info.validationSamples} validation texts; labels ${info.labels.join(', ')}`);
        progress.info(`epochs ${s.epochs}, batch size ${s.batchSize}, learning rate ${s.learningRate}, max length ${s.maxLen}, vocabulary ${info.classifier.vectorizer.vocabulary.size}, seed ${info.seed}`);
        progress.event({ event: 'start', arch: info.arch, settings: s, seed: info.seed, startEpoch: info.startEpoch, trainSamples: info.trainSamples, validationSamples: info.validationSamples, labels: info.labels, parameters: info.classifier.model.countParams() });
        // mkdir returns the first directory it made: none when the directory was there already
        const made = await mkdir(ckptDir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
          throw dataError(`cannot make the checkpoint directory ${ckptDir} (${e.code ?? e.message}); pass a --checkpoint-dir that can be created`);
        });
        createdDir = made !== undefined;
      },
      onCheckpoint: async (c: Checkpoint) => {
        await writeFileAtomic(ckptPath, c.bytes());
        // the first checkpoint is the state training starts from (epochsDone 0, or the resumed one's)
        if (startEpochs < 0) startEpochs = c.epochsDone;
        checkpointEpochs = c.epochsDone;
      },
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
      if (test) evaluations.push({ name: 'test', report: evaluateClassifier(evaluated, test.texts, test.labels, `test data ${testPath}`) });
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
      keepCheckpoint = true;
      throw dataError(`${cliMessage(e, 'train').replace(/^wasmnn: /, '')}. The trained model is in the checkpoint ${ckptPath}; to save it, run: ${resumeCommand(dataPath, o)}`);
    }
    await cleanCheckpoints();
    checkpointEpochs = -1;
    if (evaluationError) {
      const m = cliMessage(evaluationError, 'train');
      throw dataError(`${m.replace(/^wasmnn: /, '')} (the trained model was saved to ${out} before this evaluation)`);
    }
    if (reportPath) {
      const html = renderReport({
        title: `wasmnn: ${basename(dataPath)} (${state.arch})`,
        facts: [['data', dataPath], ['architecture', `${state.arch}: ${ARCHITECTURES[state.arch].description}`], ['parameters', classifier.model.countParams().toLocaleString('en-US')],
          ['epochs', String(state.epochsDone)], ['samples', `${state.samples.train} training, ${state.samples.validation} validation${test ? `, ${test.texts.length} test` : ''}`],
          ['training time', formatDuration(seconds)], ['model file', out], ['date', String(training.date)]],
        history, labels: classifier.labels, evaluations,
      });
      await writeFileAtomic(reportPath, html);
    }
    for (const e of evaluations) {
      p.info(`\n${e.name}: ${formatClassReport(classifier.labels, e.report)}`);
      p.event({ event: 'evaluation', set: e.name, ...classReportJson(classifier.labels, e.report) });
    }
    p.info(`\nSaved ${out} (${formatDuration(seconds)})${reportPath ? `; report ${reportPath}` : ''}${explicitDir ? `; checkpoints in ${ckptDir}` : ''}`);
    p.event({ event: 'done', model: out, report: reportPath ?? null, seconds: round(seconds, 3), epochs: state.epochsDone, history: history.history });
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
    // a run that failed keeps the last good checkpoint it wrote (epochs of work: a full disk or a
    // throwing callback is no reason to lose them) and says where it is; one that wrote none
    // leaves nothing behind (a resumed run keeps its checkpoint: the interrupted run's work)
    // (a run that diverged is not kept: resuming it takes the same settings and diverges again)
    const diverged = e instanceof TrainingDivergedError;
    if (!explicitDir && !keepCheckpoint && checkpointEpochs > startEpochs && !diverged) {
      const e2 = translateError(e, 'train');
      const m = e2 instanceof Error ? e2.message.replace(/^wasmnn: /, '') : String(e2);
      throw dataError(`${m}\nThe last completed epoch is in the checkpoint ${ckptPath}: continue from it with ${resumeCommand(dataPath, o)}, or delete it (rm -r ${shellQuote(ckptDir)}) to start over.`);
    }
    if (!resume) await cleanCheckpoints().catch(() => {});
    if (e instanceof ValidationSplitError) {
      // the CLI's words for it: the flag, and whether it was the default
      const subject = `--val-split ${e.valSplit}${o['val-split'] === undefined ? ' (the default)' : ''}`;
      const m = ValidationSplitError.describe(e, subject, 'pass --val-split', 'pass --val-split 0');
      throw e.smallestSplit === null ? dataError(m) : usageError(m);
    }
    if (e instanceof ResumeSettingsError) {
      const flag = RESUME_FLAGS[e.setting];
      throw usageError(ResumeSettingsError.describe(e, flag, `drop ${flag}`, `delete the checkpoint (rm ${shellQuote(ckptPath)}) and run without --resume`));
    }
    throw translateError(e, 'train');
  }
}

/** The option of each setting a resumed run keeps (the CLI does not set embeddingDim or units). */
const RESUME_FLAGS: Record<ResumeKept, string> = {
  arch: '--arch', batchSize: '--batch-size', learningRate: '--lr', maxLen: '--max-len', vocabSize: '--vocab-size', buckets: '--buckets',
  seed: '--seed', valSplit: '--val-split', embeddingDim: 'embeddingDim', units: 'units',
};

const CHECKPOINT_FILE = 'last.wnn';

/** The default checkpoint directory: beside --out, named after it without its extension. */
export function defaultCheckpointDir(out: string): string {
  return join(dirname(out), `${basename(out, extname(out))}.checkpoints`);
}

/** Every file train reads or writes, for checkDistinctPaths. */
function trainPaths(data: string, test: string | undefined, out: string, outGiven: boolean, report: string | undefined, ckptDir: string, dirGiven: boolean): NamedPath[] {
  const outName = `--out ${out}${outGiven ? '' : ' (the default)'}`;
  const dirName = dirGiven ? `--checkpoint-dir ${ckptDir}` : `the checkpoint directory ${ckptDir} (the default for --out ${out})`;
  const dirFix = dirGiven ? 'pick another --checkpoint-dir, e.g. checkpoints'
    : `name the model file with an extension, e.g. --out ${join(dirname(out), `${basename(out, extname(out))}.wnn`)}, or pass another --checkpoint-dir`;
  const ckptPath = join(ckptDir, CHECKPOINT_FILE);
  return [
    { name: `DATA ${data}`, path: data, what: 'the training data', output: false },
    ...(test !== undefined ? [{ name: `--test ${test}`, path: test, what: 'the test data', output: false }] : []),
    { name: outName, path: out, what: 'the model', output: true, fix: `pick another --out, e.g. ${join(dirname(out), 'model.wnn') === out ? 'model-2.wnn' : 'model.wnn'}` },
    ...(report !== undefined ? [{ name: `--report ${report}`, path: report, what: 'the report', output: true, fix: 'pick another --report, e.g. report.html' }] : []),
    { name: dirName, path: ckptDir, what: 'the checkpoint directory', output: true, directory: true, fix: dirFix },
    // the checkpoint file in it (DATA or --out named last.wnn in that directory)
    { name: `the checkpoint ${ckptPath}`, path: ckptPath, what: 'the checkpoint', output: true, fix: dirFix },
  ];
}

/**
 * A fresh run (no --resume) writes its checkpoint over whatever is at the checkpoint path, and a
 * default checkpoint directory loses it at the end. Refused (exit 2) when that is the checkpoint of
 * an interrupted run (it would be lost: say how to resume it or to start over), of any run in the
 * default directory (a successful run removes its own, so one there is from a run that did not
 * finish: its model may never have been saved), or a file that is no checkpoint. A finished run's
 * checkpoint in a --checkpoint-dir is replaced: the directory is kept for that.
 */
async function checkNoCheckpointLeft(ckptPath: string, explicitDir: boolean, dataPath: string, o: Record<string, string | number | boolean | undefined>): Promise<void> {
  let bytes: Buffer;
  try { bytes = await readFile(ckptPath); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw usageError(`the checkpoint path ${ckptPath} is there but cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); move it away or pass another --checkpoint-dir`);
  }
  let state: { kind?: unknown; epochsDone?: unknown; settings?: { epochs?: unknown } } | null = null;
  try {
    const { metadata } = decodeSafetensorsHeader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    state = metadata.training ? JSON.parse(metadata.training) : null;
  } catch { state = null; }
  if (!state || state.kind !== 'checkpoint' || typeof state.epochsDone !== 'number') {
    throw usageError(`${ckptPath} exists and is not a wasmnn checkpoint; training would replace it: move it away, or pass another --checkpoint-dir`);
  }
  const epochs = typeof state.settings?.epochs === 'number' ? state.settings.epochs : null;
  const unfinished = epochs === null || state.epochsDone < epochs;
  if (!unfinished && explicitDir) return;
  const resume = resumeCommand(dataPath, o);
  throw usageError(unfinished
    ? `${ckptPath} holds the checkpoint of an interrupted run (${state.epochsDone} of ${epochs ?? '?'} epochs done), which a fresh run would replace; to start over, delete it (rm ${shellQuote(ckptPath)}); to continue it, run: ${resume}`
    : `${ckptPath} holds the checkpoint of a finished run whose model was not saved (a run that saves its model removes it), which a fresh run would replace; to start over, delete it (rm ${shellQuote(ckptPath)}); to save that model, run: ${resume}`);
}

/**
 * Removes what a run wrote in the default checkpoint directory: its checkpoint, its own temp files
 * of the atomic writes (a write cut short by a second Ctrl-C leaves one), then the directory itself
 * if this run made it and nothing else is in it. Files a user keeps there stay.
 */
async function removeCheckpoint(dir: string, checkpoint: boolean, directory: boolean): Promise<void> {
  if (checkpoint) await rm(join(dir, CHECKPOINT_FILE), { force: true });
  const mine = `.${CHECKPOINT_FILE}.${process.pid}.`;
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    if (f.startsWith(mine) && f.endsWith('.tmp')) await rm(join(dir, f), { force: true });
  }
  if (directory) await rmdir(dir).catch(() => {});   // ENOTEMPTY: something else is there, keep it
}

/** Options the resumed run needs as given: how DATA is read (its fingerprint is checked), where the
 *  checkpoint, model and report go, what is evaluated, and how it runs. The model's settings come
 *  from the checkpoint. */
const RESUME_OPTIONS = ['format', 'delimiter', 'text-column', 'label-column', 'test', 'epochs', 'threads', 'fma', 'out', 'quantize', 'checkpoint-dir', 'report', 'json', 'quiet'];

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
