// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), the 8-bit CSI, then other two-byte ESC sequences.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u009b[0-?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g;
// C0 and C1 controls except tab and newline, plus the bidi overrides and isolates that can make
// text read differently from what it is ("Trojan Source").
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Removes ANSI escape sequences and control characters; keeps newlines and tabs, turns CR into newline. */
export function stripControl(text: string): string {
  return text
    .replace(ANSI, '')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(CONTROL, '')
    .replace(LONE_SURROGATE, '\ufffd');
}

/** Folds a multi-line text into one line for line-oriented output: control characters removed, lines joined by " | ". */
export function oneLine(text: string): string {
  return stripControl(text).replace(/\s*\n\s*/g, ' | ').trim();
}

/** Every run of whitespace, newlines included, as one space: for text that reads as one sentence. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The first line that is not blank, control characters removed and trimmed; '' when there is none. */
export function firstLine(text: string): string {
  return (
    stripControl(text)
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? ''
  );
}

/** At most `max` characters, the last one an ellipsis when the text was cut; never splits a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
