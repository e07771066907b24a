// The text pipeline: raw strings to integer id tensors. Pure TypeScript, no dependencies, the same
// results on every JavaScript host (node, browsers, Cloudflare Workers).

export { normalize, resolveNormalizeOptions, PLACEHOLDERS, HTML_ENTITIES, EMAIL_PATTERN, type NormalizeOptions, type ResolvedNormalizeOptions } from './normalize.js';
export { wordTokens, whitespaceTokens, charTokens, WORD_TOKEN_PATTERN, type CharTokenOptions } from './tokenize.js';
export { fnv1a32, charNgrams, hashedWordNgrams, hashedCharNgrams, type WordNgramOptions, type CharNgramOptions, type HashOptions } from './hash.js';
export { Vocabulary, compareCodePoints, PADDING_ID, OOV_ID, PADDING_TOKEN, OOV_TOKEN, type VocabularyBuildOptions, type VocabularyJSON } from './vocabulary.js';
export { padSequences, type PadOptions, type PadSide } from './pad.js';
export { TextVectorizer, type TextVectorizerOptions, type TextVectorizerConfig, type TextVectorizerJSON, type NgramOptions } from './vectorizer.js';
