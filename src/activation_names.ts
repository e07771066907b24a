// The activation names layers accept, with Keras 3's semantics and defaults, and the recurrent
// layers' names (at the end). Its own module so that the model-file checks, the tfjs importer and
// the inference entry can list them without importing the layers or the kernels.
//
// Spelling: one word in lower case, or camelCase where Keras writes snake_case (leaky_relu ->
// leakyRelu), as wasmnn's other names (recurrentActivation 'hardSigmoid', 'glorotUniform'). The
// layers also take the other spelling people type (ACTIVATION_ALIASES: Keras' leaky_relu, tfjs'
// swish) and store the canonical name, which is what a model file holds.
//
//   linear       x
//   relu         max(x, 0)
//   sigmoid      1 / (1 + e^-x)
//   tanh         tanh x
//   gelu         x Phi(x), the exact (erf) form: Keras' default approximate=False, tfjs' 'gelu'
//   softplus     log(1 + e^x)
//   softmax      e^x / sum(e^x) over the last axis
//   elu          x for x > 0, else alpha (e^x - 1), alpha 1
//   selu         scale * elu(x, alpha), alpha 1.6732632423543772, scale 1.0507009873554805
//   silu         x sigmoid(x) (Keras 3's name; 'swish', Keras 2's and tfjs' name, is the same)
//   leakyRelu    x for x > 0, else 0.2 x: keras.activations.leaky_relu's negative_slope 0.2 (the
//                LeakyReLU *layers* of Keras and tfjs default to 0.3; tfjs has no activation of
//                this name)
//   relu6        min(max(x, 0), 6)
//   hardSigmoid  clip(0.2 x + 0.5, 0, 1): tfjs-layers' and Keras 2's hard_sigmoid, and the
//                recurrent layers' recurrentActivation 'hardSigmoid'
//   hardSigmoidRelu6  relu6(x + 3) / 6: Keras 3's hard_sigmoid (also PyTorch's and JAX's)
//   softsign     x / (1 + |x|)
//   mish         x tanh(softplus(x))
//   exponential  e^x
// 'hard_sigmoid' is refused as a layer option: Keras 3 means relu6(x + 3) / 6 by it while tfjs
// (whose model files spell its hardSigmoid so) and Keras 2 mean clip(0.2 x + 0.5, 0, 1); the
// error names both. The tfjs importer reads it as tfjs does (src/io/tfjs.ts).
export const ACTIVATIONS = [
  'linear', 'relu', 'sigmoid', 'tanh', 'gelu', 'softplus', 'softmax',
  'elu', 'selu', 'silu', 'leakyRelu', 'relu6', 'hardSigmoid', 'hardSigmoidRelu6', 'softsign', 'mish', 'exponential',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Other spellings the layers accept, and the canonical name each one stands for. */
const ALIASES = { swish: 'silu', leaky_relu: 'leakyRelu' } as const satisfies Record<string, Activation>;
export const ACTIVATION_ALIASES: Readonly<Record<string, Activation>> = ALIASES;

/** What an activation option takes: a name or an alias. */
export type ActivationOption = Activation | keyof typeof ALIASES;

/** Names that mean different functions to different libraries: refused, with what to use instead. */
export const AMBIGUOUS_ACTIVATIONS: Readonly<Record<string, string>> = {
  hard_sigmoid: "Keras 3 (and PyTorch, JAX) mean relu6(x + 3) / 6 by it, tfjs-layers and Keras 2 clip(0.2 x + 0.5, 0, 1); use 'hardSigmoidRelu6' for the first, 'hardSigmoid' for the second",
};

/** The canonical name of an activation name or alias; null for anything else. */
export function canonicalActivation(a: unknown): Activation | null {
  if (typeof a !== 'string') return null;
  if ((ACTIVATIONS as readonly string[]).includes(a)) return a as Activation;
  return Object.hasOwn(ACTIVATION_ALIASES, a) ? ACTIVATION_ALIASES[a] : null;
}

/** Why `a` is not an activation name, for an error message (the valid names, or the ambiguity). */
export function activationProblem(a: unknown): string {
  const listed = `expected one of ${ACTIVATIONS.join(', ')} (or the aliases ${Object.keys(ACTIVATION_ALIASES).map((k) => `${k} = ${ACTIVATION_ALIASES[k]}`).join(', ')})`;
  if (typeof a === 'string' && Object.hasOwn(AMBIGUOUS_ACTIVATIONS, a)) return `activation '${a}' is ambiguous: ${AMBIGUOUS_ACTIVATIONS[a]}`;
  return `unknown activation '${String(a)}'; ${listed}`;
}

/**
 * The kernel behind each activation other than linear and softmax: the elementwise op of
 * kernels/unary.ts (the same name but for exponential, which is the 'exp' op).
 */
export function unaryOpOf(a: Exclude<Activation, 'linear' | 'softmax'>): Exclude<Activation, 'linear' | 'softmax' | 'exponential'> | 'exp' {
  return a === 'exponential' ? 'exp' : a;
}

/** The activations the fused SimpleRNN kernel computes (index = the kernel's act argument); 'linear' is Keras' null / None. */
export const SIMPLE_RNN_ACTIVATIONS = ['tanh', 'relu', 'linear'] as const;
export type SimpleRnnActivation = (typeof SIMPLE_RNN_ACTIVATIONS)[number];

/** The recurrent layer classes (the ones Bidirectional may wrap, and that read a folded embedding table). */
export const RECURRENT_LAYERS: ReadonlySet<string> = new Set(['LSTM', 'GRU', 'SimpleRNN']);

/** Keras' name of a recurrent layer inside a Bidirectional: forward_lstm, forward_gru, forward_simple_rnn. */
export function recurrentSublayerName(className: string): string {
  return className === 'SimpleRNN' ? 'simple_rnn' : className.toLowerCase();
}
