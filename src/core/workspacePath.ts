// The rule for paths that come from settings or telemetry and are resolved against a workspace folder.

/**
 * Why `rel` may not be read relative to a workspace folder, or null when it may: it must be
 * relative (no leading `/` or `\`, no drive letter), hold no `..` segment (which could climb out
 * of the folder) and no control character. Both separators count, so the rule holds on Windows.
 */
export function unsafeRelativePath(rel: string): string | null {
  if (rel === '') return 'is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(rel)) return 'contains a control character';
  if (/^[/\\]/.test(rel) || /^[A-Za-z]:/.test(rel)) return 'is an absolute path (only paths inside the workspace are read)';
  if (rel.split(/[/\\]/).includes('..')) return 'leaves the workspace (contains a ".." segment)';
  return null;
}
