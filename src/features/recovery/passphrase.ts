/**
 * Recovery passphrases: the rule the core enforces (at least 12 characters, workers/kms/
 * operations/recovery.ts), what a passphrase's length means against offline guessing, and a
 * suggested passphrase of six words from the BIP-39 English list (2,048 words: 11 bits each,
 * 66 bits in all), drawn with the browser's CSPRNG.
 */
import { wordlist } from '@scure/bip39/wordlists/english.js';

/** The core's minimum (MIN_PASSPHRASE_LENGTH), counted in characters as the core counts them. */
export const MIN_PASSPHRASE_LENGTH = 12;

export const SUGGESTED_WORD_COUNT = 6;

/**
 * Six words, joined by spaces. The list has exactly 2^11 words, so 11 random bits pick a word
 * with no bias (no modulo of a range that is not a power of two).
 */
export function suggestPassphrase(words = SUGGESTED_WORD_COUNT): string {
  if (wordlist.length !== 2048) throw new Error('The BIP-39 word list must have 2,048 words.');
  const random = crypto.getRandomValues(new Uint16Array(words));
  return [...random].map((value) => wordlist[value & 0x7ff]!).join(' ');
}

export type PassphraseVerdict = 'empty' | 'too-short' | 'acceptable' | 'strong';

export interface PassphraseStrength {
  verdict: PassphraseVerdict;
  /** One sentence for the person: what this passphrase stands up to, or what it lacks. */
  sentence: string;
}

/**
 * A plain judgement by length, not a score: the app cannot know how a person chose their
 * words, only how long they are. Six suggested words (about 30 characters) read as strong.
 */
export function passphraseStrength(passphrase: string): PassphraseStrength {
  const length = [...passphrase].length;
  if (length === 0) {
    return {
      verdict: 'empty',
      sentence: `At least ${MIN_PASSPHRASE_LENGTH} characters. Several unrelated words are easier to remember than symbols, and harder to guess.`,
    };
  }
  if (length < MIN_PASSPHRASE_LENGTH) {
    return {
      verdict: 'too-short',
      sentence: `Too short: ${length} of at least ${MIN_PASSPHRASE_LENGTH} characters. Anyone with a backup can try passphrases offline, as fast as their computers allow.`,
    };
  }
  if (length < 20) {
    return {
      verdict: 'acceptable',
      sentence: `Long enough (${length} characters). Longer is safer: a phrase you made up yourself is easier to guess than it feels — the suggested six random words are much harder.`,
    };
  }
  return {
    verdict: 'strong',
    sentence: `Strong if chosen at random (${length} characters). Six random words from a list of 2,048 are about 66 bits: out of reach of offline guessing.`,
  };
}
