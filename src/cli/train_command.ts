// `wasmnn train DATA`: trains a text classifier on a CSV / TSV / JSONL file with progress,
// checkpoints after every epoch (--resume continues bit-exactly), Ctrl-C handling, evaluation on
// the validation and --test data, an optional HTML report, and the model saved atomically.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ARCHITECTURES, ARCH_NAMES, DEFAULT_ARCH, isArchName } from '../classifier/architectures.js';
import { TextClassifier } from '../classifier/text_classifier.js';
import { TrainingInterrupted, trainTextClassifier, type Checkpoint, type StartInfo } from '../classifier/train.js';
import { writeFileAtomic } from '../io/node.js';
import type { ClassReport } from '../metrics.js';
import { formatOptions, parseArgs, type OptionSpec } from './args.js';
import { readDataset } from './data.js';
import { dataError, nearest, usageError } from './errors.js';
import { formatDuration, Progress, progressMode, round } from './progress.js';
import { renderReport } from './report.js';
import { classReportJson, evaluateClassifier, formatClassReport, HELP, startRuntime, THREADS } from './shared.js';

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
  { name: 'checkpoint-dir', type: 'string', value: 'DIR', help: 'where checkpoints go (kept after training)', defaultText: '<out>.checkpoints, removed after training' },
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
        await mkdir(ckptDir, { recursive: true });
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
    const evaluations: { name: string; report: ClassReport }[] = [];
    if (result.validation) evaluations.push({ name: 'validation', report: evaluateClassifier(classifier, result.validation.texts, result.validation.labels, 'the validation data') });
    if (test) evaluations.push({ name: 'test', report: evaluateClassifier(classifier, test.texts, test.labels, `test data ${o.test}`) });
    const training: Record<string, unknown> = {
      ...state, data: basename(dataPath), date: new Date().toISOString(), seconds: round(seconds, 1),
      ...Object.fromEntries(evaluations.map((e) => [`${e.name}Accuracy`, e.report.accuracy])),
    };
    await writeFileAtomic(out, classifier.toBytes({ training }));
    if (!explicitDir) await rm(ckptDir, { recursive: true, force: true });
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
    return 0;
  } catch (e) {
    process.off('SIGINT', onSigint);
    if (e instanceof TrainingInterrupted) {
      (progress as Progress | null)?.breakLine();
      await writeFileAtomic(ckptPath, e.checkpoint.bytes());
      const msg = `wasmnn: interrupted during epoch ${e.epoch + 1}; saved the checkpoint after epoch ${e.checkpoint.epochsDone} to ${ckptPath}. To continue: wasmnn train ${dataPath} --resume${explicitDir ? ` --checkpoint-dir ${explicitDir}` : ''}${o.out ? ` --out ${out}` : ''}`;
      if (mode === 'json') process.stdout.write(`${JSON.stringify({ event: 'interrupted', epoch: e.epoch + 1, checkpoint: ckptPath, epochsDone: e.checkpoint.epochsDone })}\n`);
      process.stderr.write(`${msg}\n`);
      return 130;
    }
    throw e;
  }
}
