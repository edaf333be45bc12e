/** How many `{` line starts to try before giving up: bounds the work on large garbage output. */
const MAX_CANDIDATES = 64;

/**
 * Finds a JSON object in a program's stdout that may carry other lines around it (plugin banners,
 * deprecation notices, a trailing "done"). Tries the whole text first, then each line that starts with
 * `{`, cutting the balanced object out of the text, and returns the first one `accept` likes.
 */
export function findJsonObject(
  text: string,
  accept: (value: Record<string, unknown>) => boolean = () => true,
): Record<string, unknown> | undefined {
  const whole = tryParseObject(text.trim());
  if (whole && accept(whole)) return whole;

  let tried = 0;
  const lineStart = /(^|\n)[ \t]*\{/g;
  for (let m = lineStart.exec(text); m && tried < MAX_CANDIDATES; m = lineStart.exec(text)) {
    const start = m.index + m[0].length - 1;
    tried += 1;
    const end = balancedEnd(text, start);
    if (end === undefined) continue;
    const value = tryParseObject(text.slice(start, end));
    if (value && accept(value)) return value;
  }
  return undefined;
}

function tryParseObject(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Index just past the `}` that closes the `{` at `start`, honouring strings and escapes. */
function balancedEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}
