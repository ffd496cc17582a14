// Unit tests of untrusted-text escaping for MarkdownString.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandLink, escapeMarkdown, externalLink, truncate } from '../../src/core/markdown';

test('markdown link syntax, command links and images are defused', () => {
  const hostile = '[click](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D) ![x](https://evil/x.png)';
  const out = escapeMarkdown(hostile);
  assert.ok(!/(^|[^\\])\[/.test(out), 'every [ is escaped');
  assert.ok(!/(^|[^\\])\(/.test(out), 'every ( is escaped');
  assert.ok(!out.includes('command:'), 'the colon of a scheme is escaped');
  assert.ok(!out.includes('https://'), 'no autolink can form');
});

test('HTML becomes entities, backticks and emphasis are escaped', () => {
  const out = escapeMarkdown('<img src=x onerror=alert(1)> `code` *bold* _it_ | pipe # head & amp');
  assert.ok(!out.includes('<'));
  assert.ok(!out.includes('>'));
  assert.ok(out.includes('&lt;img'));
  assert.ok(out.includes('&amp; amp'));
  assert.ok(out.includes('\\`code\\`'));
  assert.ok(out.includes('\\*bold\\*'));
  assert.ok(out.includes('\\| pipe'));
  assert.ok(out.includes('\\# head'));
});

test('newlines, controls, bidi overrides and theme icons are flattened', () => {
  const out = escapeMarkdown('a\n\n# heading\r\nb\u202Ecba\u0007 $(zap)');
  assert.ok(!/[\n\r\u202E\u0007]/.test(out));
  assert.ok(out.includes('\\$\\(zap\\)'));
});

test('huge strings are truncated on a code point boundary', () => {
  const big = 'x'.repeat(10_240);
  const out = escapeMarkdown(big, 200);
  assert.equal(out.length, 200);
  assert.ok(out.endsWith('…'));
  const emoji = '😀'.repeat(300);
  const t = truncate(emoji, 10);
  assert.equal(Array.from(t).length, 10);
  assert.ok(!/[\ud800-\udbff]…$/.test(t), 'no lone surrogate before the ellipsis');
  assert.equal(truncate('short', 10), 'short');
});

test('command links carry encoded arguments that cannot close the link', () => {
  const link = commandLink('Open', 'tempoLens.openTrace', ['abc) [x](command:evil']);
  assert.match(link, /^\[Open\]\(command:tempoLens\.openTrace\?[^()\s]+\)$/);
  assert.throws(() => commandLink('x', 'javascript:alert(1)', []));
});

test('external links accept only http(s)', () => {
  assert.equal(externalLink('G', 'javascript:alert(1)'), null);
  assert.equal(externalLink('G', 'https://grafana.example.com/explore?x=(1)'), '[G](https://grafana.example.com/explore?x=%281%29)');
});
