/**
 * A JSON5 syntax error as a person reads it: the parser's message without its "JSON5: " prefix and its
 * "at L:C" suffix, and the position as an editor counts (line and column from 1). The parser reports a
 * newline inside a string (a string never closed) at column 0 of the next line, after it counted the
 * newline: the mistake is at the end of the line before, which is where a person must be sent.
 */
export function json5SyntaxError(err: unknown, text: string): { message: string; at?: { line: number; column: number } } {
  const e = err as { message?: unknown; lineNumber?: unknown; columnNumber?: unknown } | null;
  const message = String(e?.message ?? err).replace(/^JSON5:\s*/, '').replace(/\s+at \d+:\d+$/, '');
  if (!e || typeof e.lineNumber !== 'number' || typeof e.columnNumber !== 'number') return { message };
  const line = e.lineNumber;
  if (e.columnNumber >= 1 || line <= 1) return { message, at: { line, column: Math.max(1, e.columnNumber) } };
  const previous = text.split(/\r\n|\r|\n|\u2028|\u2029/)[line - 2] ?? '';
  return { message, at: { line: line - 1, column: previous.length + 1 } };
}
