// Quoting outside text in check results: CLI output, HTTP bodies, other programs' command lines.
//
// The runner redacts every result with the config's Redactor, which knows the gateway token, so a check
// need not mask the token in text it passes on whole. It must mask it itself, first, in text that it parses,
// searches or cuts before the runner sees it: a token split across lines or cut by a length cap no longer
// matches the Redactor, and a parser may turn it into something else.
import type { ExecResult } from '../src/contracts.ts';
import { redactPatterns } from '../src/util/redact.ts';
import { clip, firstLine } from '../src/util/text.ts';

/** Shorter values would mask ordinary text; the Redactor ignores them for the same reason. */
const MIN_SECRET_CHARS = 4;
/** redactPatterns scans some inputs quadratically: a line is cut to this before, far beyond any quote's cap. */
const PRE_REDACT_CAP = 8_192;

/** The text with every occurrence of the gateway token replaced by ***. */
export function maskToken(text: string, token: string | undefined): string {
  return token && token.length >= MIN_SECRET_CHARS ? text.split(token).join('***') : text;
}

/** The CLI's output with the gateway token masked, before it is parsed or quoted. */
export function maskExecOutput(res: ExecResult, token: string | undefined): ExecResult {
  if (!token || token.length < MIN_SECRET_CHARS) return res;
  return { ...res, stdout: maskToken(res.stdout, token), stderr: maskToken(res.stderr, token) };
}

/** The first line of output worth quoting: not blank, no escape codes, secret shapes redacted, at most `max` characters. */
export function quoteFirstLine(text: string, max = 200): string {
  const line = firstLine(text);
  // max stays far below the pre-redaction cap, so a secret cut there is dropped by the final clip.
  return line ? clip(redactPatterns(line.slice(0, PRE_REDACT_CAP)), Math.min(max, PRE_REDACT_CAP / 2)) : '';
}

/** The first characters of a foreign HTTP answer, as evidence; the token is masked first, should a program echo it. */
export function snippet(body: string, token: string | undefined, max = 200): string {
  return maskToken(body, token).slice(0, max);
}

/**
 * A word for a command line a person will paste into a shell: as it is when it is plainly safe
 * (letters, digits, `_ . : @ % + = , / -`), else in single quotes with each ' written '\''. A name taken
 * from the gateway (a channel id) can then never become a second command, a substitution or a glob.
 */
export function shellQuote(word: string): string {
  if (/^[\w.:@%+=,/-]+$/.test(word) && !word.startsWith('-')) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
