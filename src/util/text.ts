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


/** Folds a multi-line text into one line for line-oriented output. */
export function oneLine(text: string): string {
  return stripControl(text).replace(/\s*\n\s*/g, ' | ').trim();
}
