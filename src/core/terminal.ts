// The one sanitiser for text the CLI writes to a terminal (stdout and stderr, every format).

/**
 * Characters a terminal may act on instead of showing: C0 controls except tab and line feed (ESC
 * starts CSI/OSC sequences that recolour, retitle, hyperlink or rewrite the screen; CR overwrites a
 * line), DEL, C1 controls (U+0080–U+009F, among them the 8-bit CSI and OSC), the line/paragraph
 * separators and the bidirectional controls that reorder what is shown (Trojan Source).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Replaces every unsafe character by its `\uXXXX` escape. Tab and line feed stay. The escape is
 * also what JSON uses, so applied to JSON or SARIF text (where such characters can only sit inside
 * strings, raw C0 already being escaped by JSON.stringify) the output stays valid JSON that decodes
 * to the same values. Linear in the length of the text.
 */
export function sanitizeForTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
