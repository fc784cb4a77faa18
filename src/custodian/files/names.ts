/**
 * File codes and file names: `EXT{code}_{correspondent}_{YYYYMMDD}.{csv|txt}` (docs/domain.md §2.1).
 */
import { fileDateToIso, isRealDate, isoToFileDate } from './codecs';

export const FILE_CODES = ['EXT871', 'EXT869', 'EXT981', 'EXT747', 'EXT872', 'EXT_TAXLOT', 'EXT235'] as const;
export type FileCode = (typeof FILE_CODES)[number];

export const DEFAULT_CORRESPONDENT = 'ZOE';

/** What each file is, how it is delimited and whether it carries a header line. */
export const FILE_KINDS: Record<
  FileCode,
  {
    title: string;
    extension: 'csv' | 'txt';
    delimiter: ',' | '|';
    /** required: the file must start with a header line; optional: prod files have none, UAT files may. */
    header: 'required' | 'optional';
  }
> = {
  EXT871: { title: 'positions', extension: 'csv', delimiter: ',', header: 'optional' },
  EXT869: { title: 'cash activity', extension: 'csv', delimiter: ',', header: 'optional' },
  EXT981: { title: 'balances', extension: 'csv', delimiter: ',', header: 'required' },
  EXT747: { title: 'security master', extension: 'txt', delimiter: '|', header: 'optional' },
  EXT872: { title: 'trade activity', extension: 'csv', delimiter: ',', header: 'optional' },
  EXT_TAXLOT: { title: 'tax lots', extension: 'csv', delimiter: ',', header: 'required' },
  EXT235: { title: 'corporate actions', extension: 'txt', delimiter: '|', header: 'optional' },
};

export function isFileCode(s: string): s is FileCode {
  return (FILE_CODES as readonly string[]).includes(s);
}

const CORRESPONDENT_RE = /^[A-Z0-9]{1,10}$/;

/**
 * The file's name, e.g. fileName('EXT871', '2026-11-24') === 'EXT871_ZOE_20261124.csv'.
 * processDate is 'YYYY-MM-DD' (or 'YYYYMMDD'). Throws on a bad date or correspondent: that is a
 * programming error, not bad input from outside.
 */
export function fileName(
  code: FileCode,
  processDate: string,
  correspondent: string = DEFAULT_CORRESPONDENT,
): string {
  if (!isFileCode(code)) throw new Error(`unknown custodian file code ${JSON.stringify(code)}`);
  const ymd = /^\d{8}$/.test(processDate) ? processDate : isoToFileDate(processDate);
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(ymd);
  if (!m || !isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new Error(
      `fileName: processDate must be a real date 'YYYY-MM-DD', got ${JSON.stringify(processDate)}`,
    );
  }
  if (!CORRESPONDENT_RE.test(correspondent)) {
    throw new Error(
      `fileName: correspondent must be 1-10 upper-case letters or digits, got ${JSON.stringify(correspondent)}`,
    );
  }
  return `${code}_${correspondent}_${ymd}.${FILE_KINDS[code].extension}`;
}

const NAME_RE = /^(EXT_TAXLOT|EXT\d+)_([A-Z0-9]{1,10})_(\d{8})\.(CSV|TXT)$/;

/**
 * Reads a file name (a path is fine: only the last segment counts). Returns undefined for
 * anything that is not one of our file kinds with its proper extension and a real date.
 * Letter case is ignored; the code and correspondent come back upper-case.
 */
export function parseFileName(
  name: string,
): { code: FileCode; correspondent: string; processDate: string } | undefined {
  const base = name.split(/[\\/]/).pop() ?? '';
  const m = NAME_RE.exec(base.toUpperCase());
  if (!m) return undefined;
  const [, code, correspondent, ymd, ext] = m;
  if (!code || !correspondent || !ymd || !ext || !isFileCode(code)) return undefined;
  if (FILE_KINDS[code].extension !== ext.toLowerCase()) return undefined;
  if (!isRealDate(Number(ymd.slice(0, 4)), Number(ymd.slice(4, 6)), Number(ymd.slice(6, 8))))
    return undefined;
  return { code, correspondent, processDate: fileDateToIso(ymd) };
}
