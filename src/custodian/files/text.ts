/**
 * Bytes to text for the custodian's files: checksum, strict UTF-8 decoding, BOM, line endings,
 * control characters. Nothing here throws on bad input; problems come back as line-numbered issues.
 */
import { createHash } from 'node:crypto';

/** sha256 of the file's bytes, lower-case hex. A string is hashed as its UTF-8 bytes. */
export function checksum(content: string | Buffer): string {
  return createHash('sha256')
    .update(typeof content === 'string' ? Buffer.from(content, 'utf8') : content)
    .digest('hex');
}

export interface TextIssue {
  line: number;
  /** 1-based character position in the line of the character at fault, when it is one character. */
  column?: number;
  message: string;
}

export interface DecodedText {
  /** The text with the BOM removed and every line ending turned into '\n'. */
  text: string;
  bom: boolean;
  crlf: boolean;
  /** The original ended with a line ending (or was empty). */
  endsWithNewline: boolean;
  issues: TextIssue[];
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  const n = buf.length;
  let i = 0;
  const cont = (j: number, lo = 0x80, hi = 0xbf) =>
    j < n && (buf[j] as number) >= lo && (buf[j] as number) <= hi;
  while (i < n) {
    const b = buf[i] as number;
    if (b < 0x80) {
      i += 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      if (!cont(i + 1)) return i;
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      const lo = b === 0xe0 ? 0xa0 : 0x80;
      const hi = b === 0xed ? 0x9f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2)) return i;
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const lo = b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xf4 ? 0x8f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2) || !cont(i + 3)) return i;
      i += 4;
    } else {
      return i;
    }
  }
  return -1;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Control characters, U+FFFD, and an unpaired UTF-16 surrogate (only in content given as a string:
// strict UTF-8 cannot decode to one); NUL and a lone surrogate are what PostgreSQL cannot store.
const BAD_CHAR_RE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: we are looking for control characters on purpose
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function describeChar(ch: string, at: string): string {
  const cp = ch.charCodeAt(0);
  if (cp === 0xfffd)
    return `the replacement character U+FFFD ${at} (the file was not valid UTF-8 when it was decoded)`;
  if (cp === 0) return `U+0000 (NUL) ${at}, which PostgreSQL cannot store (binary data?)`;
  if (cp >= 0xd800 && cp <= 0xdfff)
    return `an unpaired UTF-16 surrogate (U+${cp.toString(16).toUpperCase()}) ${at}, which is not Unicode text`;
  return `the control character 0x${cp.toString(16).padStart(2, '0').toUpperCase()} ${at} (binary data?)`;
}

/**
 * The 0-based index of the field of a delimited line that holds the character at `index` (fields
 * counted by delimiters outside double quotes, as RFC 4180 reads them).
 */
export function fieldIndexAt(line: string, index: number, delimiter: string): number {
  let field = 0;
  let quoted = false;
  for (let i = 0; i < index && i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === delimiter) field++;
  }
  return field;
}

/**
 * The column a character-level issue (a NUL, a control character) is in, found by its line's
 * delimiters: the header's names when the first line is a header, else the layout's order.
 */
export function issueField(
  text: string,
  delimiter: string,
  columns: readonly string[],
  isHeader: (fields: string[]) => boolean,
): (issue: TextIssue) => string | undefined {
  const lines = text.split('\n');
  const first = (lines[0] ?? '').split(delimiter).map((f) => f.trim().replace(/^"|"$/g, ''));
  const header = isHeader(first) ? first : undefined;
  return (issue) => {
    if (issue.column === undefined || (header && issue.line === 1)) return undefined;
    const i = fieldIndexAt(lines[issue.line - 1] ?? '', issue.column - 1, delimiter);
    if (!header) return columns[i];
    const name = header[i]?.toLowerCase();
    return columns.find((c) => c.toLowerCase() === name);
  };
}

/**
 * Decodes the file strictly. Invalid UTF-8 gives one issue at the line of the first bad byte;
 * control characters (other than tab and line endings) give one issue per line, up to maxIssues.
 */
export function decodeText(content: string | Buffer, maxIssues = 100): DecodedText {
  let raw: string;
  const issues: TextIssue[] = [];
  if (typeof content === 'string') {
    raw = content;
  } else {
    try {
      raw = strictUtf8.decode(content);
    } catch {
      const at = firstInvalidUtf8(content);
      const offset = at < 0 ? 0 : at;
      let line = 1;
      for (let i = 0; i < offset; i++) if (content[i] === 0x0a) line++;
      const byte = content[offset] ?? 0;
      issues.push({
        line,
        message: `is not valid UTF-8: byte 0x${byte.toString(16).padStart(2, '0').toUpperCase()} at offset ${offset} (binary or wrongly encoded file)`,
      });
      return { text: '', bom: false, crlf: false, endsWithNewline: true, issues };
    }
  }
  const bom = raw.charCodeAt(0) === 0xfeff;
  if (bom) raw = raw.slice(1);
  const crlf = raw.includes('\r\n');
  const endsWithNewline = raw === '' || raw.endsWith('\n') || raw.endsWith('\r');
  const text = raw.replace(/\r\n?/g, '\n');
  if (BAD_CHAR_RE.test(text)) {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length && issues.length < maxIssues; i++) {
      const m = BAD_CHAR_RE.exec(lines[i] ?? '');
      if (m)
        issues.push({
          line: i + 1,
          column: m.index + 1,
          message: `contains ${describeChar(m[0], `at character ${m.index + 1} of the line`)}`,
        });
    }
  }
  if (text.includes('\ufeff')) {
    const line = text.slice(0, text.indexOf('\ufeff')).split('\n').length;
    if (issues.length < maxIssues)
      issues.push({
        line,
        message: 'contains a byte-order mark (U+FEFF) after the start of the file (files concatenated?)',
      });
  }
  return { text, bom, crlf, endsWithNewline, issues };
}
