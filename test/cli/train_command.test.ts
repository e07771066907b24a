// `wasmnn train` in this process (src/cli/train_command.ts): what can fail only after training is
// checked before it (--test labels, --out and --report), an evaluation that fails after training
// still leaves the model saved, the validation-split error speaks of --val-split, and the command
// printed to resume an interrupted run carries every option it needs, shell-quoted. No output may
// be an input or another output; the default checkpoint directory loses only what the run wrote;
// a fresh run does not replace a checkpoint left by another; library advice comes in CLI words.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { shutdown } from '../../src/runtime/default.js';
import { TextClassifier } from '../../src/classifier/text_classifier.js';
import { resumeCommand, shellQuote, trainCommand } from '../../src/cli/train_command.js';
import { quantizeCommand } from '../../src/cli/quantize_command.js';
import { formatClassReport } from '../../src/cli/shared.js';
import { classReport } from '../../src/metrics.js';
import { CliError, cliMessage, translateError } from '../../src/cli/errors.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { MemoryLimitError } from '../../src/runtime/memory.js';
import { TextVectorizer } from '../../src/text/vectorizer.js';
import { dataCsv, sentimentData, tempDir } from './helpers.js';

// evaluateClassifier, made to fail on the test set when a test asks (an evaluation can fail in
// ways no check before training catches: memory, a bug)
const flags = vi.hoisted(() => ({ failTestEvaluation: false, failCheckpointWrite: 0, checkpointWrites: 0 }));
// the checkpoint write number failCheckpointWrite fails as a full disk would (0: never)
vi.mock('../../src/io/node.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/io/node.js')>();
  return {
    ...m,
    writeFileAtomic: async (path: string, bytes: Uint8Array | string) => {
      if (path.endsWith('last.wnn') && flags.failCheckpointWrite && ++flags.checkpointWrites === flags.failCheckpointWrite) {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return m.writeFileAtomic(path, bytes);
    },
  };
});
vi.mock('../../src/cli/shared.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/cli/shared.js')>();
  return {
    ...m,
    evaluateClassifier: (...args: Parameters<typeof m.evaluateClassifier>) => {
      if (flags.failTestEvaluation && args[3].startsWith('test data')) throw new Error('wasmnn: simulated failure while evaluating; try again');
      return m.evaluateClassifier(...args);
    },
  };
});

const dir = tempDir();
const p = (f: string) => join(dir, f);
const FAST = ['--arch', 'cnn', '--max-len', '16', '--vocab-size', '100', '--threads', '1', '--epochs', '1', '--quiet'];
writeFileSync(p('train.csv'), dataCsv(sentimentData(80, 1)));
writeFileSync(p('test.csv'), dataCsv(sentimentData(20, 2)));
writeFileSync(p('other.csv'), dataCsv(sentimentData(20, 3, ['pos', 'mixed'])));

afterAll(async () => { await shutdown(); });

/** trainCommand's CliError (or null when it succeeded). */
async function failure(args: string[]): Promise<CliError | null> {
  try {
    await trainCommand(args);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return e as CliError;
  }
}

describe('problems found before training, not after it', () => {
  it('--test labels the training data lacks: an error before epoch 1', async () => {
    const e = await failure([p('train.csv'), '--test', p('other.csv'), '--out', p('a.wnn'), ...FAST]);
    expect(e?.message).toMatch(/^wasmnn: test data .*other\.csv has label 'mixed' that the model does not know \(it knows 'neg', 'pos'\); check the label column$/);
    expect(e?.exitCode).toBe(1);
    // the checkpoint directory is made when training starts: it never did
    expect(existsSync(p('a.checkpoints'))).toBe(false);
    expect(existsSync(p('a.wnn'))).toBe(false);
  });

  it('--out or --report naming a directory, or a place that cannot be written', async () => {
    mkdirSync(p('outdir'), { recursive: true });
    writeFileSync(p('afile'), 'x');
    const cases: [string[], RegExp, number][] = [
      [['--out', p('outdir')], /^wasmnn: --out .*outdir is a directory; name a file, e\.g\. .*outdir\/model\.wnn$/, 2],
      [['--out', p('nodir/m.wnn')], /^wasmnn: cannot write --out .*nodir\/m\.wnn: the directory .*nodir does not exist; create it first or pick another path/, 1],
      [['--out', p('afile/m.wnn')], /^wasmnn: cannot write --out .*afile\/m\.wnn: .*afile is not a directory/, 1],
      [['--out', p('b.wnn'), '--report', p('outdir')], /^wasmnn: --report .*outdir is a directory; name a file, e\.g\. .*outdir\/report\.html$/, 2],
      [['--out', p('b.wnn'), '--checkpoint-dir', p('afile')], /^wasmnn: cannot make the checkpoint directory .*afile \(EEXIST\); pass a --checkpoint-dir that can be created$/, 1],
    ];
    for (const [args, pattern, code] of cases) {
      const e = await failure([p('train.csv'), ...args, ...FAST]);
      expect(e?.message).toMatch(pattern);
      expect(e?.exitCode).toBe(code);
    }
    expect(existsSync(p('outdir.checkpoints'))).toBe(false);
    expect(existsSync(p('b.checkpoints'))).toBe(false);
    expect(existsSync(p('b.wnn'))).toBe(false);
  });

  it('an evaluation that fails after training saves the model first, then reports', async () => {
    flags.failTestEvaluation = true;
    try {
      const e = await failure([p('train.csv'), '--test', p('test.csv'), '--out', p('saved.wnn'), ...FAST]);
      expect(e?.message).toMatch(/^wasmnn: simulated failure while evaluating; try again \(the trained model was saved to .*saved\.wnn before this evaluation\)$/);
    } finally {
      flags.failTestEvaluation = false;
    }
    const c = TextClassifier.fromBytes(new Uint8Array(readFileSync(p('saved.wnn'))));
    expect(c.labels).toEqual(['neg', 'pos']);
    expect((c.training as { epochsDone: number; validationAccuracy?: number }).epochsDone).toBe(1);
    expect(c.training).toHaveProperty('validationAccuracy');
    expect(c.training).not.toHaveProperty('testAccuracy');
    expect(existsSync(p('saved.checkpoints'))).toBe(false);
  });
});

describe('the validation split error speaks of --val-split', () => {
  it('one sample per class: no value helps; say --val-split 0 or more data', async () => {
    writeFileSync(p('tiny.csv'), 'text,label\na,x\nb,y\nc,z\n');
    const e = await failure([p('tiny.csv'), '--val-split', '0.9', '--out', p('t.wnn'), ...FAST]);
    expect(e?.message).toBe('wasmnn: --val-split 0.9 holds out none of the 3 samples for validation: every class has a single sample, and training needs it; pass --val-split 0 (no validation) or add labelled texts');
    expect(e?.exitCode).toBe(1);
    const d = await failure([p('tiny.csv'), '--out', p('t.wnn'), ...FAST]);
    expect(d?.message).toMatch(/^wasmnn: --val-split 0\.1 \(the default\) holds out none of the 3 samples/);
    expect(await failure([p('tiny.csv'), '--val-split', '0', '--out', p('t.wnn'), ...FAST])).toBeNull();
  });

  it('a split too small for the classes: the smallest one that holds out a sample', async () => {
    writeFileSync(p('small.csv'), 'text,label\na,x\nb,x\nc,x\nd,x\ne,y\nf,y\n');
    const e = await failure([p('small.csv'), '--val-split', '0.05', '--out', p('s.wnn'), ...FAST]);
    expect(e?.message).toBe('wasmnn: --val-split 0.05 holds out none of the 6 samples for validation: 0.05 of the largest class (4 samples) rounds to none; pass --val-split 0.13 or more, or pass --val-split 0 (no validation)');
    expect(e?.exitCode).toBe(2);
    expect(await failure([p('small.csv'), '--val-split', '0.13', '--out', p('s.wnn'), ...FAST])).toBeNull();
  });
});

describe('the resume command', () => {
  it('carries how the data is read and every other option the resumed run needs, shell-quoted', () => {
    const o = {
      format: 'tsv', 'text-column': 'the text', 'label-column': "it's", test: 'test set.tsv', epochs: 9, threads: 2, fma: true,
      out: 'runs/m 1.wnn', 'checkpoint-dir': 'ck', report: 'r.html', json: true,
      // the model's settings come from the checkpoint
      arch: 'lstm', lr: 0.1, seed: 3, 'val-split': 0.2, 'max-len': 5, 'vocab-size': 50, buckets: 9, 'batch-size': 4, quiet: false, resume: true,
    };
    expect(resumeCommand('data dir/x.txt', o)).toBe(
      "wasmnn train 'data dir/x.txt' --resume --format tsv --text-column 'the text' --label-column 'it'\\''s' --test 'test set.tsv' " +
      "--epochs 9 --threads 2 --fma --out 'runs/m 1.wnn' --checkpoint-dir ck --report r.html --json");
    expect(resumeCommand('d.csv', {})).toBe('wasmnn train d.csv --resume');
  });

  it('quotes words so that a POSIX shell reads them back as they were', () => {
    const words = ['plain', 'with space', "it's", '$HOME', 'a"b', '*', '', 'tab\there', 'new\nline', 'é', '--x=1', 'a\\b', '!', '~'];
    const r = spawnSync('sh', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(words);
  });
});

describe('an output that is an input or another output is refused before any work (exit 2)', () => {
  it('--out, --report and the checkpoint directory against DATA, --test and each other; nothing is written', async () => {
    const before = new Map(['train.csv', 'test.csv'].map((f) => [f, readFileSync(p(f))]));
    mkdirSync(p('cks'), { recursive: true });
    const cases: [string[], string][] = [
      [['--out', p('train.csv')], `wasmnn: --out ${p('train.csv')} and DATA ${p('train.csv')} are the same file: the model would replace the training data; pick another --out, e.g. model.wnn`],
      [['--out', join(dir, '.', 'cks', '..', 'train.csv')], `wasmnn: --out ${join(dir, 'train.csv')} and DATA ${p('train.csv')} are the same file: the model would replace the training data; pick another --out, e.g. model.wnn`],
      [['--test', p('test.csv'), '--out', p('test.csv')], `wasmnn: --out ${p('test.csv')} and --test ${p('test.csv')} are the same file: the model would replace the test data; pick another --out, e.g. model.wnn`],
      [['--out', p('r.wnn'), '--report', p('r.wnn')], `wasmnn: --report ${p('r.wnn')} and --out ${p('r.wnn')} are the same file: the report would replace the model; pick another --report, e.g. report.html`],
      [['--out', p('r.wnn'), '--report', p('train.csv')], `wasmnn: --report ${p('train.csv')} and DATA ${p('train.csv')} are the same file: the report would replace the training data; pick another --report, e.g. report.html`],
      [['--out', p('r.wnn'), '--test', p('test.csv'), '--report', p('test.csv')], `wasmnn: --report ${p('test.csv')} and --test ${p('test.csv')} are the same file: the report would replace the test data; pick another --report, e.g. report.html`],
      [['--out', p('r.wnn'), '--checkpoint-dir', p('train.csv')], `wasmnn: --checkpoint-dir ${p('train.csv')} and DATA ${p('train.csv')} are the same path: the checkpoint directory would replace the training data; pick another --checkpoint-dir, e.g. checkpoints`],
      [['--out', p('r.wnn'), '--report', p('cks'), '--checkpoint-dir', p('cks')], `wasmnn: --checkpoint-dir ${p('cks')} and --report ${p('cks')} are the same path: the checkpoint directory would replace the report; pick another --checkpoint-dir, e.g. checkpoints`],
      [['--out', p('cks/last.wnn'), '--checkpoint-dir', p('cks')], `wasmnn: the checkpoint ${p('cks/last.wnn')} and --out ${p('cks/last.wnn')} are the same file: the checkpoint would replace the model; pick another --checkpoint-dir, e.g. checkpoints`],
      // the default checkpoint directory of --out foo.checkpoints is foo.checkpoints itself
      [['--out', p('foo.checkpoints')], `wasmnn: the checkpoint directory ${p('foo.checkpoints')} (the default for --out ${p('foo.checkpoints')}) and --out ${p('foo.checkpoints')} are the same path: the checkpoint directory would replace the model; name the model file with an extension, e.g. --out ${p('foo.wnn')}, or pass another --checkpoint-dir`],
    ];
    for (const [args, message] of cases) {
      const e = await failure([p('train.csv'), ...FAST, ...args]);
      expect(e?.message).toBe(message);
      expect(e?.exitCode).toBe(2);
    }
    for (const [f, bytes] of before) expect(readFileSync(p(f)).equals(bytes), f).toBe(true);
    expect(existsSync(p('r.wnn'))).toBe(false);
    expect(existsSync(p('foo.checkpoints'))).toBe(false);
    expect(readdirSync(p('cks'))).toEqual([]);
  });

  it('quantize: --out may not be MODEL or --test; --to float32 is refused, no MODEL-null.wnn', async () => {
    expect(await failure([p('train.csv'), '--out', p('q.wnn'), ...FAST])).toBeNull();
    const model = readFileSync(p('q.wnn')), testCsv = readFileSync(p('test.csv'));
    const refused = async (args: string[]) => { try { await quantizeCommand(args); return null; } catch (e) { return e as CliError; } };
    let e = await refused([p('q.wnn'), '--out', p('q.wnn')]);
    expect(e?.message).toBe(`wasmnn: --out ${p('q.wnn')} and MODEL ${p('q.wnn')} are the same file: the int8 copy would replace the model; pick another --out, e.g. ${p('q-int8.wnn')}`);
    expect(e?.exitCode).toBe(2);
    e = await refused([p('q.wnn'), '--to', 'float16', '--test', p('test.csv'), '--out', p('test.csv')]);
    expect(e?.message).toBe(`wasmnn: --out ${p('test.csv')} and --test ${p('test.csv')} are the same file: the float16 copy would replace the test data; pick another --out, e.g. ${p('q-float16.wnn')}`);
    expect(e?.exitCode).toBe(2);
    expect(readFileSync(p('q.wnn')).equals(model)).toBe(true);
    expect(readFileSync(p('test.csv')).equals(testCsv)).toBe(true);
    e = await refused([p('q.wnn'), '--to', 'float32']);
    expect(e?.message).toBe("wasmnn: --to must be float16 or int8, got 'float32': quantize only makes smaller files, and float32 is what a model file that is not quantized already holds (a quantized file loads as float32 everywhere)");
    expect(e?.exitCode).toBe(2);
    expect(readdirSync(dir).filter((f) => f.startsWith('q-'))).toEqual([]);
  });
});

/** A copy of a checkpoint file with its training state changed (e.g. more epochs: an interrupted run's). */
function withTraining(file: string, change: (t: Record<string, any>) => void): Uint8Array {
  const { metadata, tensors } = decodeSafetensors(new Uint8Array(readFileSync(file)));
  const t = JSON.parse(metadata.training);
  change(t);
  return encodeSafetensors([...tensors].map(([name, x]) => ({ name, dtype: x.dtype, shape: x.shape, data: x.data })), { ...metadata, training: JSON.stringify(t) });
}

describe('the default checkpoint directory', () => {
  it('keeps files that this run did not write, and the directory that holds them', async () => {
    mkdirSync(p('k.checkpoints'));
    writeFileSync(p('k.checkpoints/important.txt'), 'my notes');
    // a temp file of another process (a write cut short by a second Ctrl-C) is not this run's either;
    // one named after this process is
    writeFileSync(p('k.checkpoints/.last.wnn.1.0a0b.tmp'), 'x');
    writeFileSync(p(`k.checkpoints/.last.wnn.${process.pid}.0c0d.tmp`), 'x');
    expect(await failure([p('train.csv'), '--out', p('k.wnn'), ...FAST])).toBeNull();
    expect(existsSync(p('k.wnn'))).toBe(true);
    expect(readdirSync(p('k.checkpoints')).sort()).toEqual(['.last.wnn.1.0a0b.tmp', 'important.txt']);
    expect(readFileSync(p('k.checkpoints/important.txt'), 'utf8')).toBe('my notes');
  });

  it('a fresh run refuses a checkpoint it would replace (exit 2, saying how to resume or start over); --resume continues it', async () => {
    expect(await failure([p('train.csv'), '--out', p('src.wnn'), '--checkpoint-dir', p('ck-src'), ...FAST])).toBeNull();
    const finished = readFileSync(p('ck-src/last.wnn'));
    // an interrupted run's checkpoint: 1 of 3 epochs done
    mkdirSync(p('u.checkpoints'));
    const unfinished = withTraining(p('ck-src/last.wnn'), (t) => { t.settings.epochs = 3; });
    writeFileSync(p('u.checkpoints/last.wnn'), unfinished);
    let e = await failure([p('train.csv'), '--out', p('u.wnn'), ...FAST]);
    expect(e?.exitCode).toBe(2);
    expect(e?.message).toBe(`wasmnn: ${p('u.checkpoints/last.wnn')} holds the checkpoint of an interrupted run (1 of 3 epochs done), which a fresh run would replace; to start over, delete it (rm ${p('u.checkpoints/last.wnn')}); to continue it, run: ${resumeCommand(p('train.csv'), { epochs: 1, threads: 1, out: p('u.wnn'), quiet: true })}`);
    expect(Buffer.from(unfinished).equals(readFileSync(p('u.checkpoints/last.wnn')))).toBe(true);
    // the same in a --checkpoint-dir
    e = await failure([p('train.csv'), '--out', p('u2.wnn'), '--checkpoint-dir', p('u.checkpoints'), ...FAST]);
    expect(e?.message).toMatch(/holds the checkpoint of an interrupted run \(1 of 3 epochs done\)/);
    expect(existsSync(p('u.wnn')) || existsSync(p('u2.wnn'))).toBe(false);
    // continuing it as the message says: 2 more epochs, the model saved, the directory gone
    expect(await failure([p('train.csv'), '--resume', '--out', p('u.wnn'), ...FAST, '--epochs', '3'])).toBeNull();
    const c = TextClassifier.fromBytes(new Uint8Array(readFileSync(p('u.wnn'))));
    expect((c.training as { epochsDone: number }).epochsDone).toBe(3);
    expect(existsSync(p('u.checkpoints'))).toBe(false);

    // a finished run's checkpoint in the default directory: its model was never saved
    mkdirSync(p('f.checkpoints'));
    writeFileSync(p('f.checkpoints/last.wnn'), finished);
    e = await failure([p('train.csv'), '--out', p('f.wnn'), ...FAST]);
    expect(e?.exitCode).toBe(2);
    expect(e?.message).toMatch(/^wasmnn: .*f\.checkpoints\/last\.wnn holds the checkpoint of a finished run whose model was not saved .*; to start over, delete it \(rm .*f\.checkpoints\/last\.wnn\); to save that model, run: wasmnn train .*train\.csv --resume /);
    // a last.wnn that is no checkpoint
    mkdirSync(p('n.checkpoints'));
    writeFileSync(p('n.checkpoints/last.wnn'), 'my own file');
    e = await failure([p('train.csv'), '--out', p('n.wnn'), ...FAST]);
    expect(e?.exitCode).toBe(2);
    expect(e?.message).toBe(`wasmnn: ${p('n.checkpoints/last.wnn')} exists and is not a wasmnn checkpoint; training would replace it: move it away, or pass another --checkpoint-dir`);
    expect(readFileSync(p('n.checkpoints/last.wnn'), 'utf8')).toBe('my own file');
    // a finished checkpoint in a --checkpoint-dir is what that directory keeps: a new run replaces it
    expect(await failure([p('train.csv'), '--out', p('src2.wnn'), '--checkpoint-dir', p('ck-src'), ...FAST, '--seed', '7'])).toBeNull();
    expect(readFileSync(p('ck-src/last.wnn')).equals(finished)).toBe(false);
  });
});

describe('library advice the command line cannot follow, in its words', () => {
  it('a run that fails after completed epochs (a full disk) keeps the last good checkpoint and says how to resume', async () => {
    // writes: the starting state, after epoch 1, after epoch 2 (fails)
    Object.assign(flags, { failCheckpointWrite: 3, checkpointWrites: 0 });
    let e: Awaited<ReturnType<typeof failure>>;
    try {
      e = await failure([p('train.csv'), '--out', p('full.wnn'), ...FAST, '--epochs', '3']);
    } finally {
      Object.assign(flags, { failCheckpointWrite: 0, checkpointWrites: 0 });
    }
    expect(e?.exitCode).toBe(1);
    expect(e?.message).toMatch(/ENOSPC: no space left on device.*\nThe last completed epoch is in the checkpoint .*full\.checkpoints\/last\.wnn: continue from it with wasmnn train .* --resume .*, or delete it \(rm -r .*full\.checkpoints\) to start over\.$/s);
    const c = TextClassifier.fromBytes(new Uint8Array(readFileSync(p('full.checkpoints/last.wnn'))));
    expect((c.training as { epochsDone: number }).epochsDone).toBe(1);
    // the fresh run after it is refused (it would replace that checkpoint); --resume finishes it
    const again = await failure([p('train.csv'), '--out', p('full.wnn'), ...FAST, '--epochs', '3']);
    expect(again?.exitCode).toBe(2);
    expect(await failure([p('train.csv'), '--out', p('full.wnn'), ...FAST, '--epochs', '3', '--resume'])).toBeNull();
    expect(existsSync(p('full.wnn'))).toBe(true);
    expect(existsSync(p('full.checkpoints'))).toBe(false);
  });

  it('a diverging run says to lower --lr (not clipNorm), exits 1 and leaves no checkpoint behind', async () => {
    const e = await failure([p('train.csv'), '--out', p('div.wnn'), ...FAST, '--lr', '1e300']);
    expect(e?.exitCode).toBe(1);
    expect(e?.message).toMatch(/^wasmnn: the loss became NaN at epoch 1, batch \d+ .*Lower --lr \(the learning rate\), or check the data\.$/);
    expect(e?.message).not.toMatch(/clipNorm/);
    expect(existsSync(p('div.checkpoints'))).toBe(false);
    expect(existsSync(p('div.wnn'))).toBe(false);
  });

  it('out of memory and too many ids name the options (the real library errors)', () => {
    const oom = new MemoryLimitError(2.5 * 2 ** 30, 2 ** 31, 'a f32 tensor (320001136,)', 1.19 * 2 ** 30);
    expect(oom.message).toMatch(/Raise it with init\(\{ maxMemoryBytes/);
    const t = translateError(oom, 'train') as CliError;
    expect(t).toBeInstanceOf(CliError);
    expect(t.exitCode).toBe(1);
    expect(t.message).toBe('wasmnn: out of memory allocating a f32 tensor (320001136,) (1.19 GiB): needs 2.50 GiB of linear memory in all but the limit is 2.00 GiB. Make the model or the batches smaller: fewer --buckets (the bag model has a table row of 32 floats per word and bucket), a smaller --vocab-size, --max-len or --batch-size.');
    expect(cliMessage(new MemoryLimitError(5 * 2 ** 30, 2 ** 32, 'x', 1), 'predict')).toMatch(/but the limit is 4\.00 GiB\. Use a smaller --batch-size\.$/);
    let transform: Error | null = null;
    try { new TextVectorizer({ outputSequenceLength: 1_000_000 }).adapt(['a']).transform(Array(300).fill('a')); } catch (e) { transform = e as Error; }
    expect(transform?.message).toMatch(/transform the texts in batches$/);
    expect((translateError(transform, 'train') as Error).message).toMatch(/^wasmnn: TextVectorizer\.transform: 300 rows of 1000000 ids would take 1\.1 GiB \(the limit is 1 GiB\); use a smaller --max-len$/);
    // the advice is read by kind, not by wording: a message that merely mentions the library's fix stays as it is
    const other = new Error('wasmnn: something else. Lower the learning rate, set clipNorm on the optimizer, or check the inputs.');
    expect(translateError(other, 'train')).toBe(other);
  });
});

describe('the class report as text', () => {
  it('macro averages leave out labels neither in the data nor predicted, and say which', () => {
    // a rare class with no validation sample, everything else right: macro 1, not 2/3
    const text = formatClassReport(['neg', 'pos', 'rare'], classReport([0, 0, 1, 1], [0, 0, 1, 1], 3));
    expect(text).toContain('rare              0.0000    0.0000    0.0000         0');
    expect(text).toContain('macro avg         1.0000    1.0000    1.0000         4\n(macro averages over the 2 labels in the data or the predictions; not: rare)\n');
    // a label that is only predicted counts (with 0): no note
    const predicted = formatClassReport(['neg', 'pos', 'rare'], classReport([0, 0, 1, 1], [0, 2, 1, 1], 3));
    expect(predicted).toMatch(/^macro avg {9}0\.6667 {4}0\.5000 {4}0\.5556 {9}4$/m);
    expect(predicted).not.toContain('macro averages over');
  });
});
