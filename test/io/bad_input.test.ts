// Bad input to the weight setters, the .wnn writer and reader, and the TextClassifier: each is a
// wasmnn error naming the problem and the fix, never a raw TypeError from inside, a file that
// fails to load again, or NaN labels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, shutdown, Sequential, Dense, Embedding, GlobalAveragePooling1D } from '../../src/index.js';
import { TextClassifier, trainTextClassifier } from '../../src/classifier/index.js';
import { TextVectorizer } from '../../src/text/vectorizer.js';
import { decodeWnn, encodeWnn, loadModel } from '../../src/io/wnn.js';
import { classifyTexts } from '../../src/predictions.js';
import { InferenceClassifier } from '../../src/infer.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';

beforeAll(async () => { await init({ threads: 1 }); });
afterAll(async () => { await shutdown(); });

const bad = (o: unknown) => o as never;

/** Dense (2 -> 2) with kernel [1, 2, 3, 4] and bias [0, 0]. */
function dense(): Sequential {
  const m = new Sequential([new Dense({ units: 2, kernelInitializer: () => new Float32Array([1, 2, 3, 4]) })]);
  m.build([2]);
  return m;
}
const values = (m: Sequential) => m.getWeights().map((w) => Array.from(w.values));

describe('setWeights and restoreWeights', () => {
  it.each<[string, unknown, RegExp]>([
    ['null values', null, /^wasmnn: weight dense\/kernel has 4 values \(shape \(2, 2\)\): pass them as a Float32Array or an array of numbers, got null$/],
    ['a string', '1234', /^wasmnn: weight dense\/kernel has 4 values .*got "1234"$/],
    ['too few values', [1, 2, 3], /^wasmnn: weight dense\/kernel has 4 values \(shape \(2, 2\)\), got 3$/],
    ['a string among the numbers', [1, '2', 3, 4], /^wasmnn: weight dense\/kernel: value 1 is "2", not a number; pass the 4 values \(shape \(2, 2\)\) as a Float32Array/],
    ['a null among the numbers', [1, 2, null, 4], /^wasmnn: weight dense\/kernel: value 2 is null, not a number/],
    ['NaN', [NaN, 0, 0, 0], /^wasmnn: weight dense\/kernel: value 0 is NaN; weights must be finite numbers$/],
    ['-Infinity in a Float32Array', new Float32Array([0, 0, 0, -Infinity]), /^wasmnn: weight dense\/kernel: value 3 is -Infinity; weights must be finite numbers$/],
    ['1e39 (beyond float32)', new Float64Array([0, 1e39, 0, 0]), /^wasmnn: weight dense\/kernel: value 1 is 1e\+39, beyond the range of float32; weights must be finite numbers$/],
    ['BigInts', new BigInt64Array(4), /^wasmnn: weight dense\/kernel has 4 values .*got a BigInt64Array$/],
  ])('setWeights refuses %s and leaves the weights alone', (_, v, message) => {
    const m = dense();
    const before = values(m);
    expect(() => m.setWeights([{ name: 'dense/kernel', values: v as never }])).toThrow(message);
    expect(values(m)).toEqual(before);
    m.dispose();
  });

  it('refuses a name that is not a string, and (the store) a list that is not an array, all or nothing', () => {
    const m = dense();
    const before = values(m);
    expect(() => m.setWeights([{ name: 5, values: [1] } as never])).toThrow(/^wasmnn: setWeights: a weight's name must be a string, got 5; the model has dense\/kernel, dense\/bias$/);
    const store = m.store!;
    expect(() => store.setWeights(bad({ name: 'x' }))).toThrow(/^wasmnn: setWeights takes an array of \{ name, values \} \(as getWeights\(\) returns\), got an object$/);
    expect(() => store.setWeights(bad([null]))).toThrow(/^wasmnn: setWeights: entry 0 must be a \{ name, values \} object, got null$/);
    // the first entry is good, the second is not: neither is written
    expect(() => store.setWeights([{ name: 'dense/bias', values: [7, 7] }, { name: 'dense/kernel', values: [NaN, 0, 0, 0] }])).toThrow(/value 0 is NaN/);
    expect(values(m)).toEqual(before);
    store.setWeights([{ name: 'dense/bias', values: [7, 7] }, { name: 'dense/kernel', values: new Float64Array([4, 3, 2, 1]) }]);
    expect(values(m)).toEqual([[4, 3, 2, 1], [7, 7]]);
    m.dispose();
  });

  it('restoreWeights refuses what is not a snapshot of this model, and non-finite values, naming the weight', () => {
    const m = dense();
    const snap = m.snapshotWeights();
    expect(() => m.restoreWeights(bad('x'))).toThrow(/^wasmnn: restoreWeights: the model has \d+ values \(restore what its snapshotWeights\(\) returned\): pass them as a Float32Array or an array of numbers, got "x"$/);
    expect(() => m.restoreWeights(new Float32Array(3))).toThrow(/^wasmnn: restoreWeights: the model has \d+ values .*got 3$/);
    const nan = snap.slice();
    const biasAt = nan.length - 16;   // the bias starts on the second 64-byte boundary
    nan[biasAt + 1] = NaN;
    expect(() => m.restoreWeights(nan)).toThrow(/^wasmnn: restoreWeights: value \d+ \(weight dense\/bias, index 1\) is NaN; weights must be finite numbers/);
    const changed = snap.slice();
    changed[0] = 9;
    m.restoreWeights(changed);
    expect(values(m)[0]).toEqual([9, 2, 3, 4]);
    m.restoreWeights(Array.from(snap) as never);   // a snapshot that went through JSON
    expect(values(m)[0]).toEqual([1, 2, 3, 4]);
    m.dispose();
  });
});

describe('encodeWnn refuses what would not load again, before writing', () => {
  it.each<[string, unknown, RegExp]>([
    ['an array', [1, 2], /^wasmnn: encodeWnn: training must be a plain object of JSON values such as \{ epochs: 5 \}, got an array of 2$/],
    ['a number', 5, /^wasmnn: encodeWnn: training must be a plain object .*got 5$/],
    ['a cycle', (() => { const o: Record<string, unknown> = { a: 1 }; o.self = o; return o; })(), /^wasmnn: encodeWnn: training cannot be written as JSON \(.*circular.*\); give a plain object .*without cycles or BigInts$/],
    ['a BigInt', { n: 1n }, /^wasmnn: encodeWnn: training cannot be written as JSON \(.*BigInt.*\)/],
    ['an object whose toJSON is not an object', { toJSON: () => 'x' }, /^wasmnn: encodeWnn: training becomes "x" as JSON/],
  ])('training metadata that is %s', (_, training, message) => {
    const m = dense();
    expect(() => encodeWnn({ model: m, training: training as never })).toThrow(message);
    m.dispose();
  });

  it('a model or layer setting changed after construction to a value the loader refuses', () => {
    const m = dense();
    m.name = '';
    expect(() => encodeWnn({ model: m })).toThrow(/^wasmnn: encodeWnn: the model could not be loaded again from the file, so it is not saved: the model config is invalid: the model name must be a string of 1 \.\. 256 characters; change that setting of the model and save again$/);
    m.name = 'm';
    (m.layers[0] as unknown as { useBias: unknown }).useBias = 1;
    expect(() => encodeWnn({ model: m })).toThrow(/^wasmnn: encodeWnn: the model could not be loaded again .*layer 1 \(Dense\) option useBias must be true or false, got 1; change that setting/);
    (m.layers[0] as unknown as { useBias: unknown }).useBias = true;
    (m.layers[0] as unknown as { units: number }).units = 5;
    expect(() => encodeWnn({ model: m })).toThrow(/^wasmnn: encodeWnn: the model could not be loaded again .*weight 'dense\/kernel' has shape \[2, 2\] but the model's config gives it \[2, 5\]; change that setting/);
    (m.layers[0] as unknown as { units: number }).units = 2;
    m.name = 5n as never;
    expect(() => encodeWnn({ model: m })).toThrow(/^wasmnn: encodeWnn: the model's config cannot be written as JSON \(.*BigInt.*\)/);
    m.name = 'm';
    const back = decodeWnn(encodeWnn({ model: m, training: { epochs: 3 } }));
    expect(back.training).toEqual({ epochs: 3 });
    expect(values(back.model)).toEqual(values(m));
    back.model.dispose(); m.dispose();
  });

  it('the reader\'s options: runtime must be a Runtime, no unknown key', async () => {
    const m = dense();
    const bytes = encodeWnn({ model: m });
    expect(() => decodeWnn(bytes, bad({ runtime: {} }))).toThrow(/^wasmnn: decodeWnn: runtime must be a Runtime \(from await init\(\) or Runtime\.create\(\)\), got an object; leave it out to use the default runtime$/);
    expect(() => decodeWnn(bytes, bad({ runtme: undefined }))).toThrow(/^wasmnn: decodeWnn: unknown option 'runtme'; did you mean 'runtime'\?/);
    expect(() => decodeWnn(bytes, bad(null))).toThrow(/^wasmnn: decodeWnn: options must be an object/);
    await expect(loadModel(bytes, bad({ runtime: 5 }))).rejects.toThrow(/^wasmnn: loadModel: runtime must be a Runtime/);
    m.dispose();
  });
});

describe('TextClassifier', () => {
  const vec = () => new TextVectorizer({ outputSequenceLength: 4 }).adapt(['a b', 'c d']);
  const model = (v: TextVectorizer) => new Sequential([new Embedding({ inputDim: v.vocabularySize, outputDim: 2 }), new GlobalAveragePooling1D(), new Dense({ units: 2, activation: 'softmax' })]);

  it('refuses a missing model or vectorizer, or one without a vocabulary, at construction', () => {
    const v = vec();
    expect(() => new TextClassifier(model(v), bad(null), ['x', 'y'])).toThrow(/^wasmnn: TextClassifier: vectorizer must be a TextVectorizer, got null; new TextClassifier\(model, vectorizer, labels\)$/);
    expect(() => new TextClassifier(bad(null), v, ['x', 'y'])).toThrow(/^wasmnn: TextClassifier: model must be a Sequential model, got null/);
    expect(() => new TextClassifier(model(v), new TextVectorizer({ outputSequenceLength: 4 }), ['x', 'y'])).toThrow(/^wasmnn: TextClassifier: the vectorizer has no vocabulary yet; call vectorizer\.adapt\(trainingTexts\)/);
  });

  it('predict checks its options', () => {
    const v = vec();
    const c = new TextClassifier(model(v), v, ['x', 'y']);
    expect(() => c.predict('a', bad(null))).toThrow(/^wasmnn: TextClassifier\.predict: options must be an object such as \{ batchSize: \.\.\. \}, got null/);
    expect(() => c.predict('a', bad({ batchsize: 0 }))).toThrow(/^wasmnn: TextClassifier\.predict: unknown option 'batchsize'; did you mean 'batchSize'\?/);
    expect(() => c.predictProbabilities('a', bad({ batch_size: 2 }))).toThrow(/unknown option 'batch_size'/);
    expect(c.predict('a', { batchSize: 1 })).toHaveLength(1);
    c.model.dispose();
  });

  it('reports non-finite probabilities instead of returning NaN labels', () => {
    const v = vec();
    // the prediction loop shared with wasmnn/infer, whatever the model's own checks
    const nanModel = { predict: (x: { shape: [number, number] }) => ({ data: new Float32Array(x.shape[0] * 2).fill(0.5).fill(NaN, 3, 4), shape: [x.shape[0], 2] }) };
    expect(() => classifyTexts(nanModel, v, ['x', 'y'], ['a', 'b', 'c'])).toThrow(/^wasmnn: TextClassifier\.predict: the model gave the probability NaN for label 'y' of text 1; its weights hold non-finite or overflowing values .*retrain with a lower learning rate/);
    const infModel = { predict: (x: { shape: [number, number] }) => ({ data: new Float32Array(x.shape[0] * 2).fill(Infinity), shape: [x.shape[0], 2] }) };
    expect(() => classifyTexts(infModel, v, ['x', 'y'], 'a')).toThrow(/gave the probability Infinity for label 'x' of text 0/);
    // and through a TextClassifier: logits of 3e38 * 3e38 overflow, and softmax of infinities is NaN
    const m = model(v);
    m.build([4]);
    m.setWeights(m.getWeights().map((w) => ({ name: w.name, values: new Float32Array(w.values.length).fill(w.name.endsWith('bias') ? 0 : 3e38) })));
    const c = new TextClassifier(m, v, ['x', 'y']);
    expect(() => c.predict(['c d', 'a b'])).toThrow(/^wasmnn: .*NaN/);
    m.dispose();
  });

  it('fromBytes / load check the runtime; toBytes checks the training metadata', async () => {
    const v = vec();
    const c = new TextClassifier(model(v), v, ['x', 'y']);
    c.predict('a');
    const bytes = c.toBytes();
    expect(() => TextClassifier.fromBytes(bytes, bad({ runtime: {} }))).toThrow(/^wasmnn: TextClassifier\.fromBytes: runtime must be a Runtime/);
    await expect(TextClassifier.load(bytes, bad({ runtime: 'default' }))).rejects.toThrow(/^wasmnn: TextClassifier\.load: runtime must be a Runtime/);
    const circular: Record<string, unknown> = {};
    circular.me = circular;
    expect(() => c.toBytes({ training: circular })).toThrow(/^wasmnn: encodeWnn: training cannot be written as JSON/);
    expect(() => c.toBytes({ training: { n: 1n } })).toThrow(/^wasmnn: encodeWnn: training cannot be written as JSON/);
    expect(TextClassifier.fromBytes(bytes).predict('a')).toEqual(c.predict('a'));
    c.model.dispose();
  });

  it('a vectorizer without a vocabulary is not saved, and a file whose tokenizer has none is refused at load', () => {
    const v = vec();
    const m = model(v);
    m.build([4]);
    expect(() => encodeWnn({ model: m, vectorizer: new TextVectorizer({ outputSequenceLength: 4 }), labels: ['x', 'y'] }))
      .toThrow(/^wasmnn: encodeWnn: the vectorizer has no vocabulary yet, so the file could not classify text; call vectorizer\.adapt\(trainingTexts\) before saving$/);
    expect(() => encodeWnn({ model: m, vectorizer: bad({ toJSON: () => ({}) }) })).toThrow(/^wasmnn: encodeWnn: vectorizer must be a TextVectorizer, got an object$/);
    const { metadata, tensors } = decodeSafetensors(encodeWnn({ model: m, vectorizer: v, labels: ['x', 'y'] }));
    const t = JSON.parse(metadata.tokenizer);
    t.vocabulary = null;
    metadata.tokenizer = JSON.stringify(t);
    const edited = encodeSafetensors([...tensors].map(([name, x]) => ({ name, ...x })) as never, metadata);
    expect(() => TextClassifier.fromBytes(edited)).toThrow(/^wasmnn: the model file's tokenizer has no vocabulary, so it cannot turn text into ids; save the classifier again from a trained TextClassifier$/);
    // wasmnn/infer refuses it at load too (it used to fail at the first predict)
    expect(() => InferenceClassifier.fromBytes(edited)).toThrow(/^wasmnn: the model file's tokenizer has no vocabulary, so it cannot turn text into ids; save the classifier again from a trained TextClassifier$/);
    m.dispose();
  });

  it('a vectorizer made with the wasmnn/infer bundle (another copy of the class) is a vectorizer here too', async () => {
    // @ts-expect-error: the built bundle has no declarations next to it
    const bundle = await import('../../dist/bundle/infer.js');
    const v = new bundle.TextVectorizer({ outputSequenceLength: 4 }).adapt(['good day', 'bad day']);
    expect(v instanceof TextVectorizer).toBe(false);
    const m = new Sequential([new Embedding({ inputDim: v.vocabularySize, outputDim: 2 }), new GlobalAveragePooling1D(), new Dense({ units: 2, activation: 'softmax' })]);
    const c = new TextClassifier(m, v, ['x', 'y']);
    const want = c.predictProbabilities(['good day']).data;
    expect(Array.from(TextClassifier.fromBytes(c.toBytes()).predictProbabilities(['good day']).data)).toEqual(Array.from(want));
    m.dispose();
    // messages: a string that breaks a string rule is a RangeError, a typed array is "an Int32Array"
    expect(() => new Dense({ units: 2, name: '' })).toThrow(RangeError);
    expect(() => new Sequential([new Dense({ units: 2 })]).build(new Int32Array([3]) as never)).toThrow(/got an Int32Array/);
  });

  it('trainTextClassifier checks callbacks, hooks and signal before it trains', async () => {
    const texts = ['good day', 'bad day', 'good fun', 'bad luck'], labels = ['p', 'n', 'p', 'n'];
    const opts = { arch: 'bag' as const, buckets: 8, epochs: 1 };
    await expect(trainTextClassifier(texts, labels, { ...opts, callbacks: bad('onEpochEnd') })).rejects.toThrow(/^wasmnn: trainTextClassifier: callbacks must be an array of callbacks/);
    await expect(trainTextClassifier(texts, labels, { ...opts, callbacks: bad({ onEpochEnd: 1 }) })).rejects.toThrow(/^wasmnn: trainTextClassifier: callbacks\.onEpochEnd must be a function, got 1/);
    await expect(trainTextClassifier(texts, labels, { ...opts, callbacks: bad([null]) })).rejects.toThrow(/^wasmnn: trainTextClassifier: callbacks\[0\] is null, not a callback/);
    await expect(trainTextClassifier(texts, labels, { ...opts, signal: bad({}) })).rejects.toThrow(/^wasmnn: trainTextClassifier: signal must be an AbortSignal \(new AbortController\(\)\.signal\), got an object$/);
    await expect(trainTextClassifier(texts, labels, { ...opts, onCheckpoint: bad('save') })).rejects.toThrow(/^wasmnn: trainTextClassifier: onCheckpoint must be a function, got "save"$/);
    const seen: number[] = [];
    const ok = await trainTextClassifier(texts, labels, { ...opts, signal: new AbortController().signal, callbacks: [{ onEpochEnd: (e: number) => { seen.push(e); } }] });
    expect(seen).toEqual([0]);
    ok.classifier.model.dispose();
  });
});
