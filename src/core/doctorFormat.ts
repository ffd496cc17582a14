// The doctor report as a terminal table and as a Markdown document (span data escaped: it is untrusted).
import { sdkLabel, type DoctorReport, type ServiceReport } from './doctor';
import { escapeMarkdown, escapeTableCell } from './markdown';

const STATE_TEXT: Readonly<Record<ServiceReport['state'], string>> = {
  'no-code': 'no code attributes',
  'no-match': 'code attributes, no match',
  partial: 'partly mapped',
  ok: 'mapped',
  'not-checked': 'code attributes (workspace not checked)',
};

/** A ten-cell bar of spans with code attributes (`█` full, `░` empty). */
export function codeBar(withCode: number, spans: number, width = 10): string {
  const full = spans <= 0 ? 0 : Math.round((Math.min(withCode, spans) / spans) * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

const pct = (n: number, d: number): string => (d <= 0 ? '0%' : `${Math.round((n / d) * 100)}%`);

/** Controls and ANSI escapes out of span data shown in a terminal. */
const plain = (s: string): string => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');

export function doctorTable(r: DoctorReport): string {
  const out: string[] = [];
  out.push(`Window: ${new Date(r.window.startMs).toISOString()} – ${new Date(r.window.endMs).toISOString()}`);
  out.push(plain(r.summary));
  for (const a of r.advice) out.push(`  → ${plain(a)}`);
  for (const s of r.services) {
    out.push('');
    out.push(`${plain(s.service)}  [${codeBar(s.withCode, s.spans)}] ${pct(s.withCode, s.spans)} with code  — ${STATE_TEXT[s.state]}`);
    out.push(`  spans ${s.spans}, with code ${s.withCode} (old keys only ${s.oldKeys}, new keys only ${s.newKeys}, both ${s.bothKeys})`);
    out.push(`  SDK: ${plain(sdkLabel(s.sdk))}`);
    if (r.workspaceChecked) out.push(`  functions: ${s.matched} mapped to workspace methods, ${s.unmatched} not`);
    for (const a of s.advice) out.push(...plain(a).split('\n').map((l, i) => (i === 0 ? `  → ${l}` : `      ${l}`)));
  }
  for (const n of r.notes) out.push(`note: ${plain(n)}`);
  return `${out.join('\n')}\n`;
}

/** A fence longer than any backtick run in the text, so the text cannot close it. */
function fenced(text: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text.replace(/\r/g, '')}\n${fence}`;
}

/** Advice: the sentence as escaped text, a snippet after it (if any) in a code block. */
function adviceMd(a: string): string {
  const nl = a.indexOf('\n');
  const head = nl < 0 ? a : a.slice(0, nl);
  const body = nl < 0 ? '' : a.slice(nl + 1);
  return `- ${escapeMarkdown(head, 2000)}${body !== '' ? `\n\n${fenced(body).split('\n').map((l) => `  ${l}`).join('\n')}` : ''}`;
}

/** The editor's report: a Markdown document for the built-in preview. */
export function doctorMarkdown(r: DoctorReport, source: string): string {
  const out: string[] = [];
  out.push('# Tempo Lens: Check Instrumentation', '');
  out.push(`Source: ${escapeMarkdown(source)} · window ${escapeMarkdown(`${new Date(r.window.startMs).toISOString()} – ${new Date(r.window.endMs).toISOString()}`)}`, '');
  out.push(`**${escapeMarkdown(r.summary, 2000)}**`, '');
  for (const a of r.advice) out.push(adviceMd(a));
  if (r.advice.length > 0) out.push('');
  if (r.services.length > 0) {
    out.push('| Service | Code attributes | Spans | With code | Old only | New only | Both | SDK | Mapped | Not mapped |');
    out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
    for (const s of r.services) {
      out.push(`| ${escapeTableCell(s.service)} | ${codeBar(s.withCode, s.spans)} ${pct(s.withCode, s.spans)} | ${s.spans} | ${s.withCode} | ${s.oldKeys} | ${s.newKeys} | ${s.bothKeys} | ${escapeTableCell(sdkLabel(s.sdk))} | ${r.workspaceChecked ? s.matched : '–'} | ${r.workspaceChecked ? s.unmatched : '–'} |`);
    }
    out.push('');
  }
  for (const s of r.services) {
    if (s.advice.length === 0) continue;
    out.push(`## ${escapeMarkdown(s.service)} — ${STATE_TEXT[s.state]}`, '');
    for (const a of s.advice) out.push(adviceMd(a));
    out.push('');
  }
  if (r.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of r.notes) out.push(`- ${escapeMarkdown(n, 2000)}`);
    out.push('');
  }
  out.push('The same report from a terminal: `tempo-lens doctor --since 1h --workspace .` (add `--format json` for scripts).', '');
  return out.join('\n');
}
