// `wasmnn train` in this process (src/cli/train_command.ts): what can fail only after training is
// checked before it (--test labels, --out and --report), an evaluation that fails after training
// still leaves the model saved, the validation-split error speaks of --val-split, and the command
// printed to resume an interrupted run carries every option it needs, shell-quoted.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { shutdown } from '../../src/runtime/default.js';
import { TextClassifier } from '../../src/classifier/text_classifier.js';
import { resumeCommand, shellQuote, trainCommand } from '../../src/cli/train_command.js';
import { CliError } from '../../src/cli/errors.js';
import { dataCsv, sentimentData, tempDir } from './helpers.js';

// evaluateClassifier, made to fail on the test set when a test asks (an evaluation can fail in
// ways no check before training catches: memory, a bug)
const flags = vi.hoisted(() => ({ failTestEvaluation: false }));
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
