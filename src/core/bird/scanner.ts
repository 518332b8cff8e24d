// A reusable cursor over a string, for parsing numbers and punctuation without slicing.

const CC_SPACE = 32;
const CC_TAB = 9;

/** Reads a string left to right from `pos`; methods report failure instead of throwing. */
export class TextScanner {
  text = "";
  pos = 0;

  /** Points the scanner at `text`, starting at `from`. */
  reset(text: string, from = 0): this {
    this.text = text;
    this.pos = from;
    return this;
  }

  /** True when nothing is left. */
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** The next character code (NaN at the end). */
  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  /** Skips spaces and tabs. */
  skipBlanks(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (c === CC_SPACE || c === CC_TAB) c = t.charCodeAt(++this.pos);
  }

  /** Consumes `cc` (a character code) if it is next. */
  eat(cc: number): boolean {
    if (this.text.charCodeAt(this.pos) !== cc) return false;
    this.pos++;
    return true;
  }

  /** Reads a decimal number of at most `max`; returns -1 (and stays put) when there is none. */
  uint(max: number): number {
    const t = this.text;
    const start = this.pos;
    let v = 0;
    let i = start;
    for (;;) {
      const d = t.charCodeAt(i) - 48;
      if (!(d >= 0 && d <= 9)) break;
      v = v * 10 + d;
      if (v > max) return -1;
      i++;
    }
    if (i === start) return -1;
    this.pos = i;
    return v;
  }
}
