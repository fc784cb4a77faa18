/**
 * The firm's reference data: households (the wash-sale scope), securities, advisors, restricted
 * lists (account, advisor, firm), firm settings, and the accounts waiting for setup.
 */
import {
  type HouseholdView,
  createHousehold,
  getHousehold,
  listHouseholds,
  updateHousehold,
} from '../../book/households';
import { pendingSetup } from '../../book/onboarding';
import { firmSettings, listAdvisors, saveAdvisor, setFirmSettings } from '../../book/people';
import { addRestriction, endRestriction, listRestrictions } from '../../book/restrictions';
import { createSecurity, getSecurity, listSecurities, updateSecurity } from '../../book/securities';
import { notFound } from '../problems';
import { visibleAccount } from '../proposals';
import type { Principal } from '../tokens';
import { assertOwnAdvisor, bookContext, configRoute, requireOps, requireStaff, viaBook } from './access';
import {
  AdvisorBody,
  AdvisorChange,
  AdvisorList,
  EndRestrictionBody,
  FirmSettingsBody,
  FirmSettingsOut,
  Household,
  HouseholdBody,
  HouseholdChange,
  HouseholdList,
  HouseholdParams,
  HouseholdPatchBody,
  PendingSetupList,
  RestrictionBody,
  RestrictionChange,
  RestrictionList,
  RestrictionParams,
  RestrictionQuery,
  Security,
  SecurityBody,
  SecurityChange,
  SecurityList,
  SecurityParams,
  SecurityPatchBody,
} from './schemas';

const WRITE = { 403: 'Not an ops token', 413: 'Body too large', 415: 'Body is not application/json' };

/** What an advisor sees of a household: their own accounts in it. */
function ownMembers(p: Principal, h: HouseholdView): HouseholdView {
  return p.kind === 'advisor' ? { ...h, members: h.members.filter((m) => m.advisorId === p.advisorId) } : h;
}

export const HOUSEHOLD_ROUTES = [
  configRoute({
    method: 'get',
    path: '/api/v1/households',
    operationId: 'listHouseholds',
    summary: 'Households',
    description:
      'Households and their member accounts (the wash-sale scope). Advisor tokens: the households of their own accounts, with those accounts.',
    tags: ['households'],
    response: { description: 'The households', schema: HouseholdList },
    problems: {},
    async handler({ principal, deps }) {
      const list = await listHouseholds(
        deps.db,
        principal.kind === 'advisor' ? { advisorId: principal.advisorId } : {},
      );
      return { households: list.map((h) => ownMembers(principal, h)) };
    },
  }),
  configRoute({
    method: 'get',
    path: '/api/v1/households/{householdId}',
    operationId: 'getHousehold',
    summary: 'One household',
    description:
      'The household and its members. Advisor tokens: only a household holding one of their accounts.',
    tags: ['households'],
    params: HouseholdParams,
    response: { description: 'The household', schema: Household },
    problems: { 404: 'No such household among those the token may see' },
    async handler({ principal, params, deps }) {
      const h = ownMembers(
        principal,
        await viaBook('path.householdId', () => getHousehold(deps.db, params.householdId)),
      );
      if (principal.kind === 'advisor' && h.members.length === 0) {
        throw notFound(`household ${params.householdId} not found`, 'path.householdId');
      }
      return h;
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/households',
    operationId: 'createHousehold',
    summary: 'Create a household',
    description:
      'A household, optionally with member accounts (moved out of the household they were in). Ops tokens only; audited.',
    tags: ['households'],
    body: HouseholdBody,
    response: { description: 'The household', schema: HouseholdChange },
    problems: {
      ...WRITE,
      404: 'A member account does not exist',
      409: 'The household exists already, or a member is closed',
    },
    async handler(ctx) {
      requireOps(ctx.principal, 'create a household');
      return viaBook('body.id', () => createHousehold(bookContext(ctx), ctx.body));
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/households/{householdId}',
    operationId: 'changeHousehold',
    summary: 'Rename a household or move accounts into it',
    description:
      "Accounts in `addMembers` move into this household (out of their own); the wash-sale check follows at each account's next scan. Ops tokens only; audited on the household and on each account.",
    tags: ['households'],
    params: HouseholdParams,
    body: HouseholdPatchBody,
    response: { description: 'The household', schema: HouseholdChange },
    problems: {
      ...WRITE,
      404: 'No such household, or a member account does not exist',
      409: 'A member is closed',
    },
    async handler(ctx) {
      requireOps(ctx.principal, 'change a household');
      return viaBook('path.householdId', () =>
        updateHousehold(bookContext(ctx), ctx.params.householdId, ctx.body),
      );
    },
  }),
];

export const RESTRICTION_ROUTES = [
  configRoute({
    method: 'get',
    path: '/api/v1/restrictions',
    operationId: 'listRestrictions',
    summary: 'Restrictions and restricted lists',
    description:
      "Account restrictions and the advisors' and the firm's restricted lists, filtered by scope, account, advisor or the date they are in force on. Advisor tokens: the firm's list, their own list and their own accounts' restrictions.",
    tags: ['restrictions'],
    query: RestrictionQuery,
    response: { description: 'The restrictions', schema: RestrictionList },
    problems: {
      403: 'An advisor token asked for another advisor',
      404: 'accountId is not among the accounts the token may see',
    },
    async handler({ principal, query, deps }) {
      assertOwnAdvisor(principal, query.advisorId, 'query.advisorId');
      if (query.accountId && !(await visibleAccount(deps.db, principal, query.accountId))) {
        throw notFound(`account ${query.accountId} not found`, 'query.accountId');
      }
      let list = await listRestrictions(deps.db, query);
      if (principal.kind === 'advisor') {
        const own = new Set(
          (await deps.db('accounts').where({ advisor_id: principal.advisorId }).select('id')).map(
            (r: { id: string }) => r.id,
          ),
        );
        list = list.filter(
          (r) =>
            r.scope === 'FIRM' ||
            (r.scope === 'ADVISOR' && r.advisorId === principal.advisorId) ||
            (r.scope === 'ACCOUNT' && own.has(r.accountId ?? '')),
        );
      }
      return { restrictions: list };
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/restrictions',
    operationId: 'addRestriction',
    summary: 'Add a restriction',
    description:
      "NO_BUY, NO_SELL or NO_TRADE of a security, with a reason and optional start and end dates (inclusive), for one account (scope ACCOUNT), every account of an advisor (ADVISOR) or the firm (FIRM). The engine gets every restriction in force at each account's scan; a proposal it changes says so in its reasons. The same restriction again is no change. Ops tokens only; audited.",
    tags: ['restrictions'],
    body: RestrictionBody,
    response: { description: 'The restriction', schema: RestrictionChange },
    problems: { ...WRITE, 404: 'No such account or advisor', 409: 'The account is closed' },
    async handler(ctx) {
      requireOps(ctx.principal, 'add a restriction');
      return viaBook('body', () => addRestriction(bookContext(ctx), ctx.body));
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/restrictions/{restrictionId}/end',
    operationId: 'endRestriction',
    summary: 'End a restriction',
    description:
      '`endsOn` is its last day in force (default yesterday: lifted from today). Ops tokens only; audited.',
    tags: ['restrictions'],
    params: RestrictionParams,
    body: EndRestrictionBody,
    bodyOptional: true,
    response: { description: 'The restriction', schema: RestrictionChange },
    problems: { ...WRITE, 404: 'No such restriction', 409: 'It ends on or before that date already' },
    async handler(ctx) {
      requireOps(ctx.principal, 'end a restriction');
      return viaBook('path.restrictionId', () =>
        endRestriction(bookContext(ctx), ctx.params.restrictionId, ctx.body),
      );
    },
  }),
];

export const SECURITY_ROUTES = [
  configRoute({
    method: 'get',
    path: '/api/v1/securities',
    operationId: 'listSecurities',
    summary: 'Securities',
    description: 'The security master of the book. Any token.',
    tags: ['securities'],
    response: { description: 'The securities', schema: SecurityList },
    problems: {},
    async handler({ deps }) {
      return { securities: await listSecurities(deps.db) };
    },
  }),
  configRoute({
    method: 'get',
    path: '/api/v1/securities/{symbol}',
    operationId: 'getSecurity',
    summary: 'One security',
    description: 'Any token.',
    tags: ['securities'],
    params: SecurityParams,
    response: { description: 'The security', schema: Security },
    problems: { 404: 'No such security' },
    handler: ({ params, deps }) => viaBook('path.symbol', () => getSecurity(deps.db, params.symbol)),
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/securities',
    operationId: 'addSecurity',
    summary: 'Add a security',
    description:
      'Symbol, CUSIP, type, asset class, fractionable, TLH alternates (securities of the book) and substantially-identical group. Ops tokens only; audited.',
    tags: ['securities'],
    body: SecurityBody,
    response: { description: 'The security', schema: SecurityChange },
    problems: { ...WRITE, 409: 'The symbol or the CUSIP exists already' },
    async handler(ctx) {
      requireOps(ctx.principal, 'add a security');
      const r = await viaBook('body.symbol', () => createSecurity(bookContext(ctx), ctx.body));
      return { ...r, changed: true };
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/securities/{symbol}',
    operationId: 'changeSecurity',
    summary: 'Change a security',
    description: 'Only the fields given change. Ops tokens only; audited.',
    tags: ['securities'],
    params: SecurityParams,
    body: SecurityPatchBody,
    response: { description: 'The security', schema: SecurityChange },
    problems: { ...WRITE, 404: 'No such security', 409: 'The CUSIP is another security’s' },
    async handler(ctx) {
      requireOps(ctx.principal, 'change a security');
      return viaBook('path.symbol', () => updateSecurity(bookContext(ctx), ctx.params.symbol, ctx.body));
    },
  }),
];

export const FIRM_ROUTES = [
  configRoute({
    method: 'get',
    path: '/api/v1/advisors',
    operationId: 'listAdvisors',
    summary: 'Advisors',
    description: 'Ops and trader tokens: every advisor. Advisor tokens: themselves.',
    tags: ['firm'],
    response: { description: 'The advisors', schema: AdvisorList },
    problems: {},
    async handler({ principal, deps }) {
      const all = await listAdvisors(deps.db);
      return {
        advisors: principal.kind === 'advisor' ? all.filter((a) => a.id === principal.advisorId) : all,
      };
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/advisors',
    operationId: 'addAdvisor',
    summary: 'Add an advisor',
    description:
      'Id, name, e-mail and the custodian rep code (onboarding finds an adopted account’s advisor by it). Ops tokens only; audited.',
    tags: ['firm'],
    body: AdvisorBody,
    response: { description: 'The advisor', schema: AdvisorChange },
    problems: { ...WRITE, 409: 'The advisor or the rep code exists already' },
    async handler(ctx) {
      requireOps(ctx.principal, 'add an advisor');
      return viaBook('body.id', () => saveAdvisor(bookContext(ctx), ctx.body));
    },
  }),
  configRoute({
    method: 'get',
    path: '/api/v1/firm/settings',
    operationId: 'getFirmSettings',
    summary: 'Firm settings',
    description:
      'Firm-wide switches, e.g. whether advisors may change their accounts’ mode and overrides. Any token.',
    tags: ['firm'],
    response: { description: 'The settings', schema: FirmSettingsOut },
    problems: {},
    handler: ({ deps }) => firmSettings(deps.db),
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/firm/settings',
    operationId: 'changeFirmSettings',
    summary: 'Change firm settings',
    description: 'Ops tokens only; audited.',
    tags: ['firm'],
    body: FirmSettingsBody,
    response: { description: 'The settings after the change', schema: FirmSettingsOut },
    problems: WRITE,
    async handler(ctx) {
      requireOps(ctx.principal, 'change firm settings');
      return viaBook('body', () => setFirmSettings(bookContext(ctx), ctx.body));
    },
  }),
  configRoute({
    method: 'get',
    path: '/api/v1/onboarding',
    operationId: 'listPendingSetup',
    summary: 'Accounts waiting for setup',
    description:
      "PENDING_SETUP accounts (found in the custodian's morning files and adopted with their positions and lots, or created without a model or a mode), with what ops must still set. They trade once they have a model, a mode and an advisor. Ops and trader tokens.",
    tags: ['firm'],
    response: { description: 'The accounts', schema: PendingSetupList },
    problems: { 403: 'An advisor token' },
    async handler({ principal, deps }) {
      requireStaff(principal, 'list the accounts waiting for setup');
      return { accounts: await pendingSetup(deps.db) };
    },
  }),
];
