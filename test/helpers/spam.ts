// The SpamAssassin split shared with `npm start` and the benchmarks (scripts/spam-assassin.mjs).
export { spamAssassin, SPAM_LABELS, type SpamSplit } from '../../scripts/spam-assassin.mjs';
