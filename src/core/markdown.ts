// Pure escaping of untrusted text (span names, status messages, attributes) for VS Code MarkdownString.

/** Bidi overrides and other invisible controls that can make text read differently than it is. */
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Longest untrusted string shown in a hover before it is cut. */
export const MAX_UNTRUSTED_CHARS = 200;

/** Cuts at `max` code points (never inside a surrogate pair) and marks the cut with `…`. */
export function truncate(text: string, max = MAX_UNTRUSTED_CHARS): string {
  const chars = Array.from(text.length > max * 2 + 8 ? text.slice(0, max * 2 + 8) : text);
  if (chars.length <= max && text.length <= max * 2 + 8) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * Makes untrusted text inert in Markdown: newlines and controls flattened, every Markdown
 * punctuation character backslash-escaped (no links, emphasis, code spans, tables or headings can
 * start), `<`, `>` and `&` turned into entities (no HTML, no autolinks), `$(` defused so no
 * codicon renders, and the result truncated.
 */
export function escapeMarkdown(text: string, max = MAX_UNTRUSTED_CHARS): string {
  const flat = truncate(text.replace(/\r\n|\r|\n|\t/g, ' ').replace(INVISIBLE, ''), max);
  return flat
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+\-.!|~:"'=$@%^]/g, (c) => `\\${c}`);
}

/** Escaped text that is also safe inside a table cell (pipes already escaped by escapeMarkdown). */
export function escapeTableCell(text: string, max = 80): string {
  return escapeMarkdown(text, max);
}

/**
 * A command link for one of OUR command ids with JSON arguments. The command id is trusted by the
 * caller; the arguments may carry untrusted data and are URI-encoded so they cannot close the link.
 */
export function commandLink(label: string, command: string, args: readonly unknown[], tooltip?: string): string {
  if (!/^[A-Za-z][\w.]*$/.test(command)) throw new Error(`not a command id: ${command}`);
  const uri = `command:${command}?${encodeURIComponent(JSON.stringify(args)).replace(/[()!'*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
  const title = tooltip !== undefined ? ` "${tooltip.replace(/["\\\n\r]/g, ' ')}"` : '';
  return `[${label}](${uri}${title})`;
}

/** An https/http link built by us (Grafana Explore); anything else is dropped. */
export function externalLink(label: string, url: string): string | null {
  if (!/^https?:\/\/[^\s<>"`]+$/i.test(url)) return null;
  return `[${label}](${url.replace(/\)/g, '%29').replace(/\(/g, '%28')})`;
}
