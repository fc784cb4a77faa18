/**
 * The custodian's (Apex-style) start-of-day files: names, row schemas, writers and the parser.
 * See docs/domain.md §2.
 */
export { checksum } from './text';
export {
  DEFAULT_CORRESPONDENT,
  FILE_CODES,
  FILE_KINDS,
  type FileCode,
  fileName,
  isFileCode,
  parseFileName,
} from './names';
export { DP, fileDateToIso, isoToFileDate, zIsoDate } from './codecs';
export {
  ACQUISITION_METHODS,
  BUY_SELL_CODES,
  type BuySellCode,
  CORPORATE_ACTIONS,
  COVERED_FLAGS,
  type CorporateAction,
  type Ext235Row,
  type Ext747Row,
  type Ext869Row,
  type Ext871Row,
  type Ext872Row,
  type Ext981Row,
  type ExtTaxlotRow,
  LAYOUTS,
  ROW_SCHEMAS,
  type RowOf,
  type RowTypes,
  TERM_CODES,
  ext235RowSchema,
  ext747RowSchema,
  ext869RowSchema,
  ext871RowSchema,
  ext872RowSchema,
  ext981RowSchema,
  extTaxlotRowSchema,
  isCancelCode,
  negateDecimal,
  sideOf,
} from './schemas';
export {
  type Ext869Input,
  type ExtTaxlotInput,
  type WriteInputs,
  type WriteOptions,
  quoteField,
  writeCustodianFile,
  writeEXT235,
  writeEXT747,
  writeEXT869,
  writeEXT871,
  writeEXT872,
  writeEXT981,
  writeEXT_TAXLOT,
} from './write';
export {
  DEFAULT_MAX_ERRORS,
  type FileError,
  type FileQuirks,
  formatFileError,
  type ParseFailure,
  type ParseOk,
  type ParseOptions,
  type ParseResult,
  parseCustodianFile,
  parseCustodianFileByName,
} from './parse';
