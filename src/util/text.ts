/** Removes ANSI escape sequences and control characters (keeping newline and tab): check output must not drive a terminal. */
export function stripControl(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g, '');
}

/** Folds a multi-line text into one line for line-oriented output. */
export function oneLine(text: string): string {
  return stripControl(text).replace(/\s*\n\s*/g, ' | ').trim();
}
