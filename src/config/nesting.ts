/** Where a JSON5 text first nests deeper than allowed, or undefined when it never does. */
export interface TooDeep {
  line: number;
  column: number;
}

/**
 * Scans JSON5 text for `{` / `[` nesting deeper than `max`, skipping strings and comments, without
 * parsing it: JSON5's parser and zod recurse, and a file nested a few thousand levels deep would end in
 * a stack overflow instead of an error that names the file and the line.
 */
export function findTooDeep(text: string, max: number): TooDeep | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
    } else if (c === '"' || c === "'") {
      // To the closing quote; a backslash escapes the next character (a line continuation included).
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === '\\') i++;
        if (text[i] === '\n') {
          line++;
          lineStart = i + 1;
        }
      }
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i + 1] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      for (i += 2; i < text.length && !(text[i] === '*' && text[i + 1] === '/'); i++) {
        if (text[i] === '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      i++;
    } else if (c === '{' || c === '[') {
      if (++depth > max) return { line, column: i - lineStart + 1 };
    } else if (c === '}' || c === ']') {
      depth--;
    }
  }
  return undefined;
}
