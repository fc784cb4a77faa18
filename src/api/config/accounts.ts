/**
 * Accounts' configuration: list, create, read settings, change settings, close, settings
 * history, and the what-if preview. Advisor tokens see their own accounts only (another's is
 * 404) and change only what the firm lets them (see access.ts).
 */
import {
  accountSettings,
  closeAccount,
  createAccount,
  listAccounts,
  settingsHistory,
  updateAccountSettings,
} from '../../book/accounts';
import { firmSettings } from '../../book/people';
import { previewAccount } from '../../book/preview';
import { ADVISOR_CHANGEABLE } from '../../domain/config/account';
import { notFound } from '../problems';
import { visibleAccount } from '../proposals';
import type { RouteDeps } from '../routes';
import { AccountParams } from '../schemas';
import type { Principal } from '../tokens';
import { assertOwnAdvisor, bookContext, configRoute, forbidden, requireOps, viaBook } from './access';
import {
  AccountChange,
  AccountList,
  AccountSettings,
  AccountSettingsBody,
  CloseAccountBody,
  CreateAccountBody,
  ListAccountsQuery,
  PageQuery,
  PreviewBody,
  PreviewOut,
  SettingsHistory,
} from './schemas';

/** 404 unless the token may see the account (an advisor: their own). */
async function visible(deps: RouteDeps, p: Principal, accountId: string): Promise<void> {
  if (!(await visibleAccount(deps.db, p, accountId)))
    throw notFound(`account ${accountId} not found`, 'path.accountId');
}

const CHANGE_PROBLEMS = {
  403: 'Not allowed to change this (role, firm setting, or a field an advisor may not change)',
  404: 'No such account among those the token may see, or a reference (advisor, household, model) that does not exist',
  409: 'The account is closed, or changed at the same time',
  413: 'Body too large',
  415: 'Body is not application/json',
};

export const ACCOUNT_ROUTES = [
  configRoute({
    method: 'get',
    path: '/api/v1/accounts',
    operationId: 'listAccounts',
    summary: 'Accounts',
    description:
      'Accounts with their advisor, household, registration, status, mode and model, by id, paged. Advisor tokens: their own accounts only.',
    tags: ['account settings'],
    query: ListAccountsQuery,
    response: { description: 'One page of accounts', schema: AccountList },
    problems: { 403: 'An advisor token asked for another advisor' },
    async handler({ principal, query, deps }) {
      assertOwnAdvisor(principal, query.advisorId, 'query.advisorId');
      const advisorId = principal.kind === 'advisor' ? principal.advisorId : query.advisorId;
      const { items, total } = await listAccounts(deps.db, { ...query, advisorId });
      return { items, total, limit: query.limit, offset: query.offset };
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/accounts',
    operationId: 'createAccount',
    summary: 'Create an account',
    description:
      'A new account with its custodian number, advisor, household and registration (TAXABLE, IRA, ROTH); with a model and a mode it is ACTIVE and trades from the next day it is taken, without them PENDING_SETUP. Ops tokens only; audited.',
    tags: ['account settings'],
    body: CreateAccountBody,
    response: { description: 'The account created', schema: AccountChange },
    problems: CHANGE_PROBLEMS,
    async handler(ctx) {
      requireOps(ctx.principal, 'create an account');
      return viaBook('body.id', () => createAccount(bookContext(ctx), ctx.body));
    },
  }),
  configRoute({
    method: 'get',
    path: '/api/v1/accounts/{accountId}/settings',
    operationId: 'getAccountSettings',
    summary: "An account's settings",
    description:
      "Model and version, mode, lot method, overrides, the settings the engine will use (defaults ← model ← account), the restrictions in force today (the account's, its advisor's and the firm's). Advisor tokens: their own accounts.",
    tags: ['account settings'],
    params: AccountParams,
    response: { description: 'The settings', schema: AccountSettings },
    problems: { 404: 'No such account among those the token may see' },
    async handler({ principal, params, deps }) {
      await visible(deps, principal, params.accountId);
      return viaBook('path.accountId', () => accountSettings(deps.db, params.accountId, deps.today()));
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/accounts/{accountId}/settings',
    operationId: 'changeAccountSettings',
    summary: "Change an account's settings",
    description:
      'Only the fields given change (`overrides` is a merge patch: null clears a field). Assigning a model and a mode (and an advisor) to a PENDING_SETUP account activates it. `effect` says from which trade date the change is used (tomorrow when the account was already scanned today, or for a mode change once the day has started). Ops tokens: everything. Advisor tokens: `mode`, `lotMethod` and `overrides` of their own accounts, when the firm setting advisorsMayChangeAccountSettings is on. Audited with before and after.',
    tags: ['account settings'],
    params: AccountParams,
    body: AccountSettingsBody,
    response: { description: 'The settings after the change', schema: AccountChange },
    problems: CHANGE_PROBLEMS,
    async handler(ctx) {
      const { principal, params, deps, body } = ctx;
      if (principal.kind === 'trader')
        throw forbidden('a trader token may not change account settings', 'header.authorization');
      if (principal.kind === 'advisor') {
        await visible(deps, principal, params.accountId);
        if (!(await firmSettings(deps.db)).advisorsMayChangeAccountSettings) {
          throw forbidden(
            'the firm does not let advisors change account settings (firm setting advisorsMayChangeAccountSettings is off): ask ops',
            'header.authorization',
          );
        }
        const refused = Object.keys(body).find((k) => !ADVISOR_CHANGEABLE.has(k as never));
        if (refused)
          throw forbidden(
            `an advisor may change mode, lotMethod and overrides only, not ${refused}`,
            `body.${refused}`,
          );
      }
      return viaBook('path.accountId', () => updateAccountSettings(bookContext(ctx), params.accountId, body));
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/accounts/{accountId}/close',
    operationId: 'closeAccount',
    summary: 'Close an account',
    description:
      'A closed account is no longer taken by any trading day (from tomorrow once today has started). Ops tokens only; audited.',
    tags: ['account settings'],
    params: AccountParams,
    body: CloseAccountBody,
    response: { description: 'The account, closed', schema: AccountChange },
    problems: CHANGE_PROBLEMS,
    async handler(ctx) {
      requireOps(ctx.principal, 'close an account');
      return viaBook('path.accountId', () =>
        closeAccount(bookContext(ctx), ctx.params.accountId, ctx.body.reason),
      );
    },
  }),
  configRoute({
    method: 'get',
    path: '/api/v1/accounts/{accountId}/settings/history',
    operationId: 'accountSettingsHistory',
    summary: "An account's settings history",
    description:
      "Every change of the account's settings and restrictions from the append-only audit log, newest first: who, when, through what (api, cli, import, custodian), before and after, from when it applied. Advisor tokens: their own accounts.",
    tags: ['account settings'],
    params: AccountParams,
    query: PageQuery,
    response: { description: 'One page of changes', schema: SettingsHistory },
    problems: { 404: 'No such account among those the token may see' },
    async handler({ principal, params, query, deps }) {
      await visible(deps, principal, params.accountId);
      const page = await viaBook('path.accountId', () => settingsHistory(deps.db, params.accountId, query));
      return { ...page, limit: query.limit, offset: query.offset };
    },
  }),
  configRoute({
    method: 'post',
    path: '/api/v1/accounts/{accountId}/preview',
    operationId: 'previewAccount',
    summary: 'What-if: the proposal the engine would make',
    description:
      "Runs the engine on the account's current snapshot (today, or `date`) with its settings, or with another model, lot method or overrides (a merge patch on the account's), and returns the plan: legs with their reasons and tax lots, the tax estimate, drift, compliance. Writes nothing. Any token that may see the account.",
    tags: ['account settings'],
    params: AccountParams,
    body: PreviewBody,
    bodyOptional: true,
    response: { description: 'The plan', schema: PreviewOut },
    problems: {
      404: 'No such account among those the token may see, or no such model',
      409: 'The account cannot be planned (no model yet, no price for a holding)',
      413: 'Body too large',
      415: 'Body is not application/json',
    },
    async handler({ principal, params, deps, body }) {
      await visible(deps, principal, params.accountId);
      return viaBook('path.accountId', () => previewAccount(deps.db, params.accountId, body, deps.today()));
    },
  }),
];
