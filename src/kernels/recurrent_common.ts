// Small pieces the LSTM, GRU and SimpleRNN wrappers share (lstm.ts, gru.ts, simple_rnn.ts), kept
// out of the public kernels namespace (index.ts does not re-export this file).

/** Keras' and tfjs' names of the sequence options, for the suggestion on a typo. */
export const RECURRENT_ALIASES = { goBackwards: 'reverse', go_backwards: 'reverse', backwards: 'reverse', initialState: 'h0', sequenceMask: 'mask' };

/** Units rounded up to whole groups of 8 (a thread owns whole groups; the panels are 8 wide). */
export const groups8 = (H: number) => Math.ceil(H / 8) * 8;

/** Rows of a batch in whole blocks of 4 (the kernels keep those rows' products' operands packed). */
export const blocks4 = (B: number) => B - (B % 4);
