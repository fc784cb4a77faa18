/**
 * The book's CSV formats (docs/configuration-book.md has them with a sample file each): one file
 * per kind, a header line naming the columns (any order), one row per entity. Empty cells are
 * "not set"; lists are separated by '|'; booleans are true or false; engine settings have a
 * column each (snake_case of the setting, e.g. abs_band for absBand). Import and export use these
 * same definitions, so an exported book imports again unchanged.
 */
import { BOOLEAN_SETTINGS, ENGINE_SETTING_KEYS, INTEGER_SETTINGS } from '../../domain/config/engine-settings';

/** The kinds of file, in the order they are applied (what a row refers to comes first). */
export const KINDS = [
  'advisors',
  'securities',
  'households',
  'models',
  'model-targets',
  'accounts',
  'restrictions',
  'positions',
  'cash',
  'cash-flows',
] as const;
export type Kind = (typeof KINDS)[number];

/** The opening balances: what a firm loads once (the rest is configuration, changed any day). */
export const OPENING_KINDS: readonly Kind[] = ['positions', 'cash', 'cash-flows'];

export const fileNameOf = (k: Kind) => `${k}.csv`;

export interface Column {
  name: string;
  required?: boolean;
  /** Where the column goes in the operation's input ('overrides.absBand'); errors there name the column. */
  field: string;
  type?: 'text' | 'boolean' | 'integer' | 'list';
  doc: string;
}

/** snake_case of a setting name: absBand → abs_band. */
export const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** One column per engine setting, under `prefix` in the input. */
function settingColumns(prefix: string): Column[] {
  return ENGINE_SETTING_KEYS.map((k) => ({
    name: snake(k),
    field: `${prefix}.${k}`,
    type: BOOLEAN_SETTINGS.includes(k) ? 'boolean' : INTEGER_SETTINGS.includes(k) ? 'integer' : 'text',
    doc: `engine setting ${k} (empty: inherited)`,
  }));
}

export const COLUMNS: Record<Kind, Column[]> = {
  advisors: [
    { name: 'advisor_id', required: true, field: 'id', doc: 'advisor id, e.g. ADV-ANA' },
    { name: 'name', required: true, field: 'name', doc: 'full name' },
    { name: 'email', required: true, field: 'email', doc: 'e-mail address (approval notifications)' },
    {
      name: 'rep_code',
      field: 'repCode',
      doc: "the custodian's registered rep code (onboarding finds the advisor by it)",
    },
  ],
  securities: [
    { name: 'symbol', required: true, field: 'symbol', doc: 'ticker, e.g. VTI' },
    { name: 'cusip', required: true, field: 'cusip', doc: 'nine characters' },
    { name: 'description', required: true, field: 'description', doc: 'name of the security' },
    { name: 'type', required: true, field: 'type', doc: 'ETF, EQUITY or MUTUAL_FUND' },
    { name: 'asset_class', required: true, field: 'assetClass', doc: 'e.g. US_EQUITY' },
    { name: 'fractionable', required: true, field: 'fractionable', type: 'boolean', doc: 'true or false' },
    {
      name: 'tlh_alternates',
      field: 'tlhAlternates',
      type: 'list',
      doc: 'TLH alternates in priority order, e.g. ITOT|SCHB',
    },
    {
      name: 'identical_group',
      field: 'identicalGroup',
      doc: 'substantially-identical group (wash sales), e.g. US_AGG_BOND',
    },
  ],
  households: [
    { name: 'household_id', required: true, field: 'id', doc: 'household id' },
    { name: 'name', required: true, field: 'name', doc: 'name' },
  ],
  models: [
    { name: 'model_id', required: true, field: 'id', doc: 'model id' },
    { name: 'name', required: true, field: 'name', doc: 'name' },
    { name: 'note', field: 'note', doc: 'note kept with a new version' },
    ...settingColumns('settings'),
  ],
  'model-targets': [
    { name: 'model_id', required: true, field: 'modelId', doc: 'the model (a row of models.csv)' },
    { name: 'symbol', required: true, field: 'symbol', doc: "the target's primary security" },
    {
      name: 'weight',
      required: true,
      field: 'weight',
      doc: 'relative weight, a fraction (the weights of a model add up to 1 at most)',
    },
    {
      name: 'asset_class',
      field: 'assetClass',
      doc: 'set: a target by asset class (every security of the class counts towards it)',
    },
    {
      name: 'alternates',
      field: 'alternates',
      type: 'list',
      doc: 'TLH alternates for this target, e.g. ITOT|SCHB',
    },
  ],
  accounts: [
    { name: 'account_id', required: true, field: 'id', doc: 'account id' },
    {
      name: 'custodian_account_number',
      required: true,
      field: 'custodianAccountNumber',
      doc: 'account number at the custodian',
    },
    { name: 'name', required: true, field: 'name', doc: 'account name' },
    { name: 'advisor_id', field: 'advisorId', doc: 'the advisor (empty: PENDING_SETUP)' },
    { name: 'household_id', required: true, field: 'householdId', doc: 'the household (wash-sale scope)' },
    { name: 'registration', required: true, field: 'registration', doc: 'TAXABLE, IRA or ROTH' },
    { name: 'model_id', field: 'modelId', doc: 'the model (empty: PENDING_SETUP)' },
    { name: 'mode', field: 'mode', doc: 'AUTO or MANUAL (empty: PENDING_SETUP)' },
    { name: 'lot_method', field: 'lotMethod', doc: 'FIFO, LIFO, HIFO, MIN_TAX (default) or SPEC_ID' },
    {
      name: 'status',
      field: 'status',
      doc: 'ACTIVE, PENDING_SETUP or CLOSED (empty: from model, mode and advisor)',
    },
    {
      name: 'last_traded_model_version',
      field: 'lastTradedModelVersion',
      type: 'integer',
      doc: 'the model version the account holds already (new accounts only; empty: the first scan rebalances fully)',
    },
    {
      name: 'esg_excluded',
      field: 'overrides.esgExcluded',
      type: 'list',
      doc: 'securities excluded by ESG screen, e.g. VNQ|SCHB',
    },
    ...settingColumns('overrides'),
  ],
  restrictions: [
    { name: 'scope', required: true, field: 'scope', doc: 'ACCOUNT, ADVISOR or FIRM' },
    { name: 'account_id', field: 'accountId', doc: 'scope ACCOUNT: the account' },
    { name: 'advisor_id', field: 'advisorId', doc: 'scope ADVISOR: the advisor (every account of theirs)' },
    { name: 'symbol', required: true, field: 'symbol', doc: 'the security' },
    { name: 'kind', required: true, field: 'kind', doc: 'NO_BUY, NO_SELL or NO_TRADE' },
    {
      name: 'reason',
      required: true,
      field: 'reason',
      doc: 'why (shown in the proposal when it changes a trade)',
    },
    { name: 'starts_on', field: 'startsOn', doc: 'first day in force, YYYY-MM-DD (empty: now)' },
    { name: 'ends_on', field: 'endsOn', doc: 'last day in force (empty: until ended)' },
  ],
  positions: [
    { name: 'account_id', required: true, field: 'accountId', doc: 'the account' },
    { name: 'symbol', required: true, field: 'symbol', doc: 'the security' },
    {
      name: 'lot_id',
      required: true,
      field: 'lotId',
      doc: "the tax lot's id (the custodian's, so cost basis reconciles per lot)",
    },
    { name: 'open_date', required: true, field: 'openDate', doc: 'trade date of the purchase, YYYY-MM-DD' },
    { name: 'quantity', required: true, field: 'qty', doc: 'open quantity, up to 5 decimals' },
    {
      name: 'unit_cost',
      required: true,
      field: 'unitCost',
      doc: 'adjusted cost per share, up to 6 decimals',
    },
  ],
  cash: [
    { name: 'account_id', required: true, field: 'accountId', doc: 'the account' },
    { name: 'cash', required: true, field: 'amount', doc: 'opening cash balance in dollars, e.g. 1234.56' },
  ],
  'cash-flows': [
    { name: 'flow_id', required: true, field: 'id', doc: 'id of the cash movement' },
    { name: 'account_id', required: true, field: 'accountId', doc: 'the account' },
    { name: 'type', required: true, field: 'type', doc: 'DEPOSIT, WITHDRAWAL, DIVIDEND, FEE or INTEREST' },
    { name: 'amount', required: true, field: 'amount', doc: 'signed dollars, + = into the account' },
    { name: 'effective_date', required: true, field: 'effectiveDate', doc: 'YYYY-MM-DD' },
    { name: 'status', required: true, field: 'status', doc: 'PENDING, POSTED or RETURNED' },
    { name: 'custodian_ref', field: 'custodianRef', doc: "the custodian's reference" },
  ],
};

/** The column an input path comes from (the longest field that is a prefix of it), or undefined. */
export function columnOf(kind: Kind, path: string): string | undefined {
  let best: Column | undefined;
  for (const c of COLUMNS[kind]) {
    if ((path === c.field || path.startsWith(`${c.field}.`)) && (!best || c.field.length > best.field.length))
      best = c;
  }
  return best?.name;
}

/** A row's cells as the operation's input: typed cells, nested fields, empty cells left out. */
export function inputOf(kind: Kind, cells: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of COLUMNS[kind]) {
    const raw = cells[c.name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (c.type === 'boolean') value = raw === 'true' ? true : raw === 'false' ? false : raw;
    else if (c.type === 'integer') value = /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
    else if (c.type === 'list')
      value = raw
        .split('|')
        .map((s) => s.trim())
        .filter(Boolean);
    const path = c.field.split('.');
    let at = out;
    for (const p of path.slice(0, -1)) {
      at[p] ??= {};
      at = at[p] as Record<string, unknown>;
    }
    at[path[path.length - 1]!] = value;
  }
  return out;
}

/** The cells of a row from a value object keyed like the input (the reverse of inputOf). */
export function cellsOf(kind: Kind, input: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of COLUMNS[kind]) {
    let v: unknown = input;
    for (const p of c.field.split('.'))
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
    out[c.name] =
      v === undefined || v === null
        ? ''
        : Array.isArray(v)
          ? v.join('|')
          : typeof v === 'boolean'
            ? String(v)
            : String(v);
  }
  return out;
}
