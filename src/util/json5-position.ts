/**
 * Where a JSON5 syntax error is, as an editor counts (line and column from 1). The parser reports a
 * newline inside a string (a string never closed) at column 0 of the next line, after it counted the
 * newline: the mistake is at the end of the line before, which is what a person must be sent to.
 */
export function json5ErrorPosition(err: unknown, text: string): { line: number; column: number } | undefined {
  const e = err as { lineNumber?: unknown; columnNumber?: unknown } | null;
  if (!e || typeof e.lineNumber !== 'number' || typeof e.columnNumber !== 'number') return undefined;
  const line = e.lineNumber;
  if (e.columnNumber >= 1 || line <= 1) return { line, column: Math.max(1, e.columnNumber) };
  const previous = text.split(/\r\n|\r|\n|\u2028|\u2029/)[line - 2] ?? '';
  return { line: line - 1, column: previous.length + 1 };
}
