// Builds the ONNX file of the benchmark model Embedding -> GRU -> Dense(softmax) from Keras-layout
// weights (the graph and its encoding: bench/_onnx.mjs). Used by bench/gru.mjs to run the same
// model, with the same weights, on onnxruntime-web.
//
// Keras (and tfjs, and wasmnn) keep the gates as column blocks z, r, h of kernel (E, 3H) and
// recurrent_kernel (H, 3H); ONNX's GRU has the same gate order z, r, h but wants row blocks of W
// (3H, E) and R (3H, H), i.e. the transposes, and B = [Wb, Rb] (6H).
//   resetAfter false (tfjs' only GRU; Keras reset_after=False): hh = tanh(x W_h + (r ⊙ h) U_h + b_h)
//     is ONNX's linear_before_reset = 0 (its default); Wb = bias (3H), Rb = 0.
//   resetAfter true (Keras 2/3's default, reset_after=True): hh = tanh(x W_h + b0_h + r ⊙ (h U_h + b1_h))
//     is ONNX's linear_before_reset = 1; bias is (2, 3H): Wb = bias[0], Rb = bias[1].
// Both: h' = z ⊙ h + (1 - z) ⊙ hh, as in ONNX.
import { recurrentClassifierOnnx } from './_onnx.mjs';

/**
 * weights: { embeddings (V, E), kernel (E, 3H), recurrentKernel (H, 3H), bias (3H, or 2 x 3H with
 * resetAfter), denseKernel (H, C), denseBias (C) } as flat Float32Arrays in Keras layout, plus V, E,
 * H, C and resetAfter. Returns the .onnx bytes.
 */
export function gruClassifierOnnx({ V, E, H, C, resetAfter = false, embeddings, kernel, recurrentKernel, bias, denseKernel, denseBias }) {
  const G = 3 * H;
  if (bias.length !== (resetAfter ? 2 * G : G)) throw new Error(`gruClassifierOnnx: bias has ${bias.length} values; a GRU of ${H} units with resetAfter ${resetAfter} has ${resetAfter ? 2 * G : G}`);
  const W = new Float32Array(G * E), R = new Float32Array(G * H), Bias = new Float32Array(2 * G);
  for (let row = 0; row < G; row++) {
    for (let e = 0; e < E; e++) W[row * E + e] = kernel[e * G + row];
    for (let h = 0; h < H; h++) R[row * H + h] = recurrentKernel[h * G + row];
  }
  Bias.set(bias);   // [Wb] (Rb stays 0), or [Wb, Rb] = [bias[0], bias[1]]
  return recurrentClassifierOnnx({ op: 'GRU', V, E, H, C, G, embeddings, W, R, Bias, attrs: { linear_before_reset: resetAfter ? 1 : 0 },
    name: resetAfter ? 'embedding_gru_reset_after_dense' : 'embedding_gru_dense', denseKernel, denseBias });
}
