// The activation names layers accept (Keras' names). Its own module so that the model-file checks
// and the inference entry can list them without importing the layers.
export const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'gelu', 'softplus', 'softmax'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
