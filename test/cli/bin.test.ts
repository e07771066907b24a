// The real `wasmnn` bin in child processes (node dist/cli/main.js, after the build) on small
// generated data: train / eval / predict / info, the three formats, --json, the report, exact
// --resume, Ctrl-C, and the errors with their exit codes (2 usage, 1 data or model).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { BIN, dataCsv, jsonLines, run, sentimentData, start, tempDir, toCsv } from './helpers.js';

const dir = tempDir();
const p = (f: string) => join(dir, f);
// cnn with short rows: a model of a few thousand weights that trains in well under a second
const FAST = ['--arch', 'cnn', '--max-len', '24', '--vocab-size', '200', '--threads', '1'];

beforeAll(() => {
  writeFileSync(p('train.csv'), dataCsv(sentimentData(300, 1, ['pos', 'neg', 'mixed'])));
  writeFileSync(p('test.csv'), dataCsv(sentimentData(90, 2, ['pos', 'neg', 'mixed'])));
  const d = sentimentData(200, 3);
  writeFileSync(p('train.tsv'), toCsv([['label', 'review'], ...d.texts.map((t, i) => [d.labels[i], t])], '\t', '\n'));
  writeFileSync(p('train.jsonl'), d.texts.map((t, i) => JSON.stringify({ text: t, label: d.labels[i] === 'pos' ? 1 : 0 })).join('\n'));
});

describe('train, eval, predict, info', () => {
  it('trains with --json progress, --test and --report, then evaluates, predicts and describes the model', () => {
    const r = run(['train', p('train.csv'), ...FAST, '--epochs', '4', '--test', p('test.csv'), '--out', p('m.wnn'), '--report', p('report.html'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = jsonLines(r.stdout);
    expect(events.map((e) => e.event)).toEqual(['start', 'epoch', 'epoch', 'epoch', 'epoch', 'evaluation', 'evaluation', 'done']);
    expect(events[0].labels).toEqual(['mixed', 'neg', 'pos']);
    const test = events.find((e) => e.event === 'evaluation' && e.set === 'test')!;
    expect(test.accuracy).toBeGreaterThan(0.9);

    // eval recomputes the same test figures from the saved file
    const ev = run(['eval', p('m.wnn'), p('test.csv'), '--json']);
    expect(ev.code).toBe(0);
    const e = JSON.parse(ev.stdout);
    expect(e.accuracy).toBe(test.accuracy);
    expect(e.confusion).toEqual(test.confusion);
    const text = run(['eval', p('m.wnn'), p('test.csv')]).stdout;
    expect(text).toContain(`accuracy ${test.accuracy.toFixed(4)}`);
    expect(text).toContain('confusion matrix');

    // predict: arguments and stdin agree; probabilities sum to 1
    const args = run(['predict', p('m.wnn'), 'great wonderful love', 'awful terrible hate', '--json']);
    expect(args.code).toBe(0);
    const preds = jsonLines(args.stdout);
    expect(preds.map((x) => x.label)).toEqual(['pos', 'neg']);
    for (const x of preds) expect(Object.values(x.probabilities as Record<string, number>).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const lines = Array.from({ length: 700 }, (_, i) => (i % 2 ? 'awful terrible hate' : 'great wonderful love'));
    const stdin = run(['predict', p('m.wnn'), '--json', '--batch-size', '64'], { input: lines.join('\n') + '\n' });
    const sp = jsonLines(stdin.stdout);
    expect(sp.length).toBe(700);
    expect(sp[0]).toEqual(preds[0]);
    expect(sp[1]).toEqual(preds[1]);
    const plain = run(['predict', p('m.wnn'), 'great wonderful love']).stdout.trim().split('\t');
    expect(plain[0]).toBe('pos');
    expect(plain.slice(1).map((s) => s.split('=')[0])).toEqual(['mixed', 'neg', 'pos']);

    const info = JSON.parse(run(['info', p('m.wnn'), '--json']).stdout);
    expect(info.labels).toEqual(['mixed', 'neg', 'pos']);
    expect(info.layers.map((l: { className: string }) => l.className)).toEqual(['Embedding', 'Conv1D', 'GlobalMaxPooling1D', 'Dense']);
    expect(info.parameters).toBe(info.layers.reduce((s: number, l: { parameters: number }) => s + l.parameters, 0));
    expect(info.training.testAccuracy).toBe(test.accuracy);
    expect(run(['info', p('m.wnn')]).stdout).toMatch(/Total params: \d+[\s\S]*labels: mixed, neg, pos/);

    // the report: well-formed, self-contained, holds the curves, the matrices and the numbers
    const html = readFileSync(p('report.html'), 'utf8');
    expectWellFormed(html);
    expect(html).not.toMatch(/(src|href)=|<script|url\(/);
    expect((html.match(/<svg /g) ?? []).length).toBe(4);   // loss, accuracy, two confusion matrices
    expect(html).toContain(`test: accuracy ${test.accuracy.toFixed(4)}`);
    const last = events[4];
    expect(html).toContain(last.loss.toFixed(4));
    expect(html).toContain(last.val_accuracy.toFixed(4));
    for (const row of test.confusion as number[][]) for (const v of row) expect(html).toContain(`>${v}</text>`);
  });

  it('reads TSV with other column names and JSONL with numeric labels; plain lines without a terminal', () => {
    const tsv = run(['train', p('train.tsv'), ...FAST, '--epochs', '1', '--text-column', 'review', '--out', p('t.wnn')]);
    expect(tsv.code).toBe(0);
    expect(tsv.stdout).toMatch(/^Epoch 1\/1 - .* samples\/s - loss \d\.\d{4} - acc \d\.\d{4} - val_loss/m);
    expect(tsv.stdout).not.toContain('\r');
    const jl = run(['train', p('train.jsonl'), ...FAST, '--epochs', '1', '--out', p('j.wnn'), '--quiet']);
    expect(jl.code).toBe(0);
    expect(jl.stdout).toBe('');
    expect(JSON.parse(run(['info', p('j.wnn'), '--json']).stdout).labels).toEqual(['0', '1']);
  });
});

describe('checkpoints', () => {
  it('3 epochs equal 2 epochs plus --resume to 3, weight for weight, bit for bit', () => {
    const base = ['train', p('train.csv'), ...FAST];
    expect(run([...base, '--epochs', '3', '--out', p('a.wnn'), '--quiet']).code).toBe(0);
    expect(existsSync(p('a.checkpoints'))).toBe(false);   // the default checkpoint dir goes after success
    expect(run([...base, '--epochs', '2', '--out', p('b.wnn'), '--checkpoint-dir', p('ck'), '--quiet']).code).toBe(0);
    // a setting other than the checkpoint's is refused with the flag's name, and the checkpoint stays
    const other = run([...base, '--epochs', '3', '--lr', '0.5', '--out', p('b.wnn'), '--checkpoint-dir', p('ck'), '--resume']);
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toMatch(/the checkpoint was trained with --lr [\d.]+ and this run asks for 0\.5; .*only the epochs may change\): drop --lr to resume, or delete the checkpoint \(rm .*last\.wnn'?\) and run without --resume/);
    expect(existsSync(p('ck/last.wnn'))).toBe(true);
    const r = run([...base, '--epochs', '3', '--out', p('b.wnn'), '--checkpoint-dir', p('ck'), '--resume', '--json']);
    expect(r.code).toBe(0);
    const ev = jsonLines(r.stdout);
    expect(ev[0].startEpoch).toBe(2);
    expect(ev.filter((e) => e.event === 'epoch').map((e) => e.epoch)).toEqual([3]);
    const a = decodeSafetensors(new Uint8Array(readFileSync(p('a.wnn')))).tensors;
    const b = decodeSafetensors(new Uint8Array(readFileSync(p('b.wnn')))).tensors;
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, t] of a) expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
  });

  it('Ctrl-C saves a checkpoint that loads and exits with 130, printing a resume command that works as printed', async () => {
    // a TSV named .txt with other column names, in paths with spaces: the resume needs all of it
    const d = sentimentData(3000, 5);
    writeFileSync(p('big data.txt'), toCsv([['the label', 'the text'], ...d.texts.map((t, i) => [d.labels[i], t])], '\t', '\n'));
    const c = start(['train', p('big data.txt'), '--format', 'tsv', '--text-column', 'the text', '--label-column', 'the label', '--arch', 'cnn', '--max-len', '64',
      '--threads', '1', '--epochs', '1000', '--checkpoint-dir', p('ck 2'), '--out', p('resumed.wnn')]);
    while (!/^Epoch 1\/1000/m.test(c.out())) await new Promise((r) => setTimeout(r, 50));
    c.child.kill('SIGINT');
    const r = await c.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted during epoch \d+; saved the checkpoint after epoch \d+ to .*last\.wnn.*--resume/);
    expect(existsSync(p('resumed.wnn'))).toBe(false);
    const { TextClassifier } = await import('../../src/classifier/text_classifier.js');
    const { init, shutdown } = await import('../../src/index.js');
    await init({ threads: 1 });
    const ck = TextClassifier.fromBytes(new Uint8Array(readFileSync(p('ck 2/last.wnn'))));
    const done = (ck.training as { epochsDone: number }).epochsDone;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(ck.model.optimizer).not.toBeNull();
    expect(ck.predict('great love')[0].label).toMatch(/pos|neg/);
    await shutdown();
    // the printed command, run by a shell as printed (one more epoch instead of 1000)
    const command = /To continue: (wasmnn train .*)$/m.exec(r.stderr)![1];
    expect(command).toContain(`'${p('big data.txt')}' --resume --format tsv --text-column 'the text' --label-column 'the label' --epochs 1000 --threads 1`);
    const resumed = spawnSync('sh', ['-c', `${command.replace(/^wasmnn /, `'${process.execPath}' '${BIN}' `)} --epochs ${done + 1} --json`], { encoding: 'utf8', timeout: 120_000 });
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(jsonLines(resumed.stdout)[0]).toMatchObject({ event: 'start', startEpoch: done });
    expect(existsSync(p('resumed.wnn'))).toBe(true);
  });

  it('a second Ctrl-C exits at once with 130 and says which checkpoint is on disk', async () => {
    // one long batch (all 800 texts, 400 ids each, an LSTM on 1 thread: seconds): signals reach the
    // trainer between batches, so two Ctrl-C during it arrive together: the first stops training,
    // the second leaves at once
    const d = sentimentData(800, 6);
    writeFileSync(p('long.csv'), toCsv([['text', 'label'], ...d.texts.map((t, i) => [`${t} `.repeat(100), d.labels[i]])]));
    const c = start(['train', p('long.csv'), '--arch', 'lstm', '--max-len', '400', '--batch-size', '800', '--val-split', '0', '--threads', '1', '--epochs', '50',
      '--checkpoint-dir', p('ck 3'), '--out', p('twice.wnn'), '--json']);
    while (!/"event":"start"/.test(c.out())) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));   // the first checkpoint written, the batch under way
    c.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    c.child.kill('SIGINT');
    const r = await c.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^wasmnn: interrupted again: exiting without saving the current epoch; .*ck 3\/last\.wnn holds the checkpoint after epoch \d+; continue with wasmnn train .*--resume/m);
    expect(r.stderr).not.toMatch(/interrupted during epoch/);
    expect(existsSync(p('ck 3/last.wnn'))).toBe(true);
    expect(existsSync(p('twice.wnn'))).toBe(false);
  });
});

describe('quantized models', () => {
  it('train --quantize int8 saves the quantized model and reports the saved model\'s figures; quantize makes the same file from a float32 one', () => {
    const r = run(['train', p('train.csv'), ...FAST, '--epochs', '3', '--test', p('test.csv'), '--out', p('q8.wnn'), '--quantize', 'int8', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const test = jsonLines(r.stdout).find((e) => e.event === 'evaluation' && e.set === 'test')!;
    const ev = JSON.parse(run(['eval', p('q8.wnn'), p('test.csv'), '--json']).stdout);
    expect(ev.accuracy).toBe(test.accuracy);
    expect(ev.confusion).toEqual(test.confusion);
    const q8 = decodeSafetensors(new Uint8Array(readFileSync(p('q8.wnn'))));
    expect(q8.metadata.format_version).toBe('2');
    const info = JSON.parse(run(['info', p('q8.wnn'), '--json']).stdout);
    expect(info.storage['conv1d/kernel']).toBe('I8');   // 5 x 32 x 64 (the embedding of this small vocabulary stays F32)
    expect(info.storage['dense/bias']).toBe('F32');
    expect(run(['info', p('q8.wnn')]).stdout).toMatch(/weights stored as: int8 with per-row scales \(conv1d\/kernel\), float32 \(the rest\)/);

    // the same training in float32, then quantized: the same tensors, and before / after figures
    expect(run(['train', p('train.csv'), ...FAST, '--epochs', '3', '--out', p('f32.wnn'), '--quiet']).code).toBe(0);
    const q = run(['quantize', p('f32.wnn'), '--test', p('test.csv'), '--json']);
    expect(q.stderr).toBe('');
    expect(q.code).toBe(0);
    const res = JSON.parse(q.stdout);
    expect(res.out).toBe(p('f32-int8.wnn'));
    expect(res.bytesAfter).toBe(readFileSync(p('f32-int8.wnn')).length);
    expect(res.bytesAfter).toBeLessThan(0.5 * res.bytesBefore);
    expect(res.after.accuracy).toBe(test.accuracy);
    expect(res.sameLabel).toBeGreaterThan(0.95);
    const again = decodeSafetensors(new Uint8Array(readFileSync(p('f32-int8.wnn'))));
    for (const [name, t] of q8.tensors) expect(again.tensors.get(name)?.data, name).toEqual(t.data);
    // float16, as text
    const h = run(['quantize', p('f32.wnn'), '--to', 'float16', '--out', p('h.wnn')]);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/f32\.wnn \(.*\) -> .*h\.wnn \(.*, \d+\.\d%\), float16 weights: conv1d\/kernel/);
    expect(run(['predict', p('h.wnn'), 'great wonderful love']).code).toBe(0);
    // an int8 file quantized again to float16: said so (and bigger)
    expect(run(['quantize', p('q8.wnn'), '--to', 'float16', '--out', p('q8h.wnn')]).stdout).toMatch(/note: .*q8\.wnn was already quantized \(int8\); the copy starts from the values read back from it, and is bigger/);
    // float32 named explicitly is no quantization
    expect(run(['train', p('train.csv'), ...FAST, '--epochs', '1', '--out', p('f.wnn'), '--quantize', 'float32', '--quiet']).code).toBe(0);
    expect(decodeSafetensors(new Uint8Array(readFileSync(p('f.wnn')))).metadata.format_version).toBe('1');
  });

  it('usage and file problems', () => {
    const err = (args: string[], code: number, message: RegExp) => { const r = run(args); expect(r.code, r.stderr).toBe(code); expect(r.stderr).toMatch(message); };
    err(['quantize'], 2, /quantize needs one model file/);
    err(['quantize', p('f32.wnn'), '--to', 'int4'], 2, /--to must be float16 or int8, got 'int4'/);
    err(['train', p('train.csv'), '--quantize', 'fp16'], 2, /--quantize must be float16, int8 or float32, got 'fp16'/);
    err(['quantize', p('missing.wnn')], 1, /missing\.wnn does not exist/);
    err(['quantize', p('f32.wnn'), '--out', dir], 2, /--out .* is a directory/);
    // float32 is no quantization: refused, and no MODEL-null.wnn (nor -float32) is written
    err(['quantize', p('f32.wnn'), '--to', 'float32'], 2, /^wasmnn: --to must be float16 or int8, got 'float32': quantize only makes smaller files, and float32 is what a model file that is not quantized already holds/);
    expect(existsSync(p('f32-null.wnn'))).toBe(false);
    expect(existsSync(p('f32-float32.wnn'))).toBe(false);
    // the copy may not replace MODEL or the --test data
    const model = readFileSync(p('f32.wnn'));
    err(['quantize', p('f32.wnn'), '--out', p('f32.wnn')], 2, /^wasmnn: --out .*f32\.wnn and MODEL .*f32\.wnn are the same file: the int8 copy would replace the model; pick another --out, e\.g\. .*f32-int8\.wnn/);
    expect(readFileSync(p('f32.wnn')).equals(model)).toBe(true);
    const testCsv = readFileSync(p('test.csv'));
    err(['quantize', p('f32.wnn'), '--test', p('test.csv'), '--out', p('test.csv')], 2, /^wasmnn: --out .*test\.csv and --test .*test\.csv are the same file: the int8 copy would replace the test data/);
    expect(readFileSync(p('test.csv')).equals(testCsv)).toBe(true);
  });
});

describe('errors a person can act on', () => {
  const err = (args: string[], code: number, pattern: RegExp) => {
    const r = run(args);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);   // no stack trace
    expect(r.stderr.trim().split('\n').length).toBe(1);
  };

  it('usage mistakes exit with 2', () => {
    err(['train', p('train.csv'), '--epoch', '3'], 2, /unknown option --epoch for 'train'; did you mean --epochs\?/);
    err(['trian', 'x'], 2, /unknown command 'trian'; did you mean 'train'\?/);
    err(['train'], 2, /train needs a DATA file/);
    err(['train', p('train.csv'), '--epochs', 'many'], 2, /--epochs must be a whole number, got 'many'/);
    err(['train', p('train.csv'), '--arch', 'lstn'], 2, /unknown --arch 'lstn'.*did you mean lstm/);
    err(['train', p('train.txt')], 2, /cannot tell the format/);
    expect(run([]).code).toBe(2);
    // single-dash words are mistyped options, not file names; texts starting with '-' go after --
    err(['train', p('train.csv'), '-e', '1'], 2, /^wasmnn: unknown option -e for 'train': options start with -- \(see wasmnn train --help\); an argument that starts with '-' .* goes after a lone --/);
    err(['predict', p('m.wnn'), '--- great deal ---'], 2, /unknown option --- great deal --- for 'predict' \(see wasmnn predict --help\); an argument that starts with '-'/);
    expect(run(['predict', p('m.wnn'), '--json', '--', '--- great deal ---']).code).toBe(0);
    // ranges the CLI checks itself, before reading the data (exit 2, the flag named)
    err(['train', p('train.csv'), '--seed', '4294967296'], 2, /^wasmnn: --seed must be at most 4,294,967,295 \(seeds are 32-bit: \[0, 2\^32\)\), got 4294967296/);
    err(['train', p('train.csv'), '--max-len', '1000001'], 2, /^wasmnn: --max-len must be at most 1,000,000 /);
    err(['train', p('train.csv'), '--buckets', '1000000000'], 2, /^wasmnn: --buckets must be at most 16,777,216 /);
    err(['train', p('train.csv'), '--vocab-size', '16777217'], 2, /^wasmnn: --vocab-size must be at most 16,777,216 /);
    err(['train', p('train.csv'), '--lr', '0'], 2, /^wasmnn: --lr must be a positive number, got 0/);
    err(['train', p('train.csv'), '--threads', '257'], 2, /^wasmnn: --threads must be at most 256, got 257/);
    err(['train', p('train.csv'), '--text-column', 'label'], 2, /^wasmnn: --text-column label and --label-column \(default 'label'\) name the same column/);
  });

  it('data and model problems exit with 1', () => {
    writeFileSync(p('one.csv'), dataCsv({ texts: ['a b', 'c d'], labels: ['x', 'x'] }));
    writeFileSync(p('bad.csv'), 'text,label\nfine,a\n"oops"x,b\n');
    writeFileSync(p('empty.csv'), 'text,label\n');
    err(['train', p('missing.csv')], 1, /data file .*missing\.csv does not exist/);
    err(['train', p('train.csv'), '--label-column', 'class'], 1, /no label column 'class'; its columns are 'text', 'label'/);
    err(['train', p('one.csv')], 1, /every row has the label 'x'; a classifier needs at least two different labels/);
    err(['train', p('empty.csv')], 1, /has no data rows/);
    err(['train', p('bad.csv')], 1, /bad\.csv: line 3: text after a closing quote/);
    err(['eval', p('missing.wnn'), p('test.csv')], 1, /model file .*missing\.wnn does not exist/);
    err(['train', p('train.csv'), '--resume', '--checkpoint-dir', p('nothing')], 1, /there is no checkpoint .* to resume from/);
  });

  it('a model file from a newer format version asks for an upgrade', () => {
    run(['train', p('train.jsonl'), ...FAST, '--epochs', '1', '--out', p('v.wnn'), '--quiet']);
    const { metadata, tensors } = decodeSafetensors(new Uint8Array(readFileSync(p('v.wnn'))));
    const newer = encodeSafetensors([...tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data })), { ...metadata, format_version: '99' });
    writeFileSync(p('v99.wnn'), newer);
    err(['info', p('v99.wnn')], 1, /newer wasmnn \(format 99\); upgrade wasmnn/);
    // a data file passed as MODEL is no damaged model: said so, not as a raw header-length message
    err(['predict', p('train.csv'), 'x'], 1, /train\.csv is not a wasmnn model file \(it looks like text, e\.g\. CSV or JSONL data\); pass a \.wnn file written by wasmnn train or wasmnn quantize/);
    err(['eval', p('train.csv'), p('test.csv')], 1, /train\.csv is not a wasmnn model file .*\(the model comes first: wasmnn eval MODEL DATA\)/);
    // a damaged model file keeps the reader's own message
    writeFileSync(p('cut.wnn'), readFileSync(p('v.wnn')).subarray(0, 200));
    err(['info', p('cut.wnn')], 1, /cannot load model .*cut\.wnn: /);
  });

  it('labels named __proto__ or constructor come out in predict and eval (plain and --json)', () => {
    const d = sentimentData(120, 11);
    const names: Record<string, string> = { pos: '__proto__', neg: 'constructor' };
    writeFileSync(p('proto.csv'), dataCsv({ texts: d.texts, labels: d.labels.map((l) => names[l]) }));
    expect(run(['train', p('proto.csv'), ...FAST, '--epochs', '2', '--out', p('proto.wnn'), '--quiet']).code).toBe(0);
    const [pred] = jsonLines(run(['predict', p('proto.wnn'), 'great love wonderful', '--json']).stdout);
    expect(Object.keys(pred.probabilities)).toEqual(['__proto__', 'constructor']);
    expect(Object.values(pred.probabilities as Record<string, number>).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const plain = run(['predict', p('proto.wnn'), 'great love wonderful']).stdout.trim().split('\t');
    expect(plain.slice(1).map((f) => f.split('=')[0])).toEqual(['__proto__', 'constructor']);
    expect(plain.slice(1).every((f) => /=\d\.\d{4}$/.test(f))).toBe(true);
    const ev = JSON.parse(run(['eval', p('proto.wnn'), p('proto.csv'), '--json']).stdout);
    expect(Object.keys(ev.classes)).toEqual(['__proto__', 'constructor']);
    expect(ev.classes.__proto__.support + ev.classes.constructor.support).toBe(120);
  });

  it('--help describes each architecture as it is built (cnn: an Embedding without maskZero)', () => {
    const help = run(['train', '--help']).stdout;
    expect(help).toMatch(/^ {2}cnn +Embedding, Conv1D/m);
    expect(help).not.toMatch(/^ {2}cnn .*maskZero/m);
    expect(help).toMatch(/^ {2}lstm +Embedding \(maskZero\), LSTM/m);
    expect(help).toMatch(/--checkpoint-dir DIR .*model\.checkpoints for model\.wnn/);
    // docs/cli.md says the same of the default checkpoint directory (the tests above: a.wnn -> a.checkpoints)
    const row = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8').split('\n').find((l) => l.startsWith('| `--checkpoint-dir DIR`'))!;
    expect(row).toContain('`model.checkpoints` for `model.wnn`');
    expect(row).not.toContain('<out>.checkpoints');
  });

  it('--help and --version', () => {
    expect(run(['--help']).stdout).toMatch(/Usage: wasmnn <command>[\s\S]*train DATA/);
    for (const c of ['train', 'eval', 'predict', 'info', 'quantize']) {
      const r = run([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: wasmnn ${c}`));
      // the exit codes, as docs/cli.md lists them
      expect(r.stdout).toMatch(/^Exit codes: 0 done, 1 a problem with a data or model file, 2 a usage mistake/m);
      expect(r.stdout.includes('130 interrupted')).toBe(c === 'train');
    }
    expect(run(['--help']).stdout).toMatch(/^Exit codes: 0 done, 1 .*, 2 .*, 130 interrupted$/m);
    expect(run(['train', '--help']).stdout).toMatch(/--val-split[\s\S]*--resume[\s\S]*--report/);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(run(['--version']).stdout.trim()).toBe(`wasmnn ${pkg.version}`);
  });
});

/** Every tag closed in order (polyglot XHTML), attributes quoted, entities known. */
function expectWellFormed(html: string): void {
  const body = html.replace(/^<!DOCTYPE html>\s*/, '');
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(amp|lt|gt|quot|#39);)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    if (!m[2]) throw new Error(`stray '${m[0]}' at ${m.index}: ${body.slice(m.index, m.index + 40)}`);
    if (m[4]) continue;
    if (m[1]) expect(stack.pop(), `closing </${m[2]}> at ${m.index}`).toBe(m[2]);
    else stack.push(m[2]);
  }
  expect(stack).toEqual([]);
}
