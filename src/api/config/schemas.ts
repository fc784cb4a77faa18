/**
 * Request and response schemas of the configuration API. Requests reuse the book's own schemas
 * (src/domain/config/), so the API, the CLI and the CSV import refuse the same values; responses
 * are declared here for the OpenAPI document and the tests.
 */
import { z } from 'zod';
import { PreviewInput } from '../../book/preview';
import { AccountSettingsPatch, CloseAccountInput, CreateAccountInput } from '../../domain/config/account';
import { EngineSettings } from '../../domain/config/engine-settings';
import {
  AccountId,
  AccountStatus,
  AdvisorId,
  HouseholdId,
  IsoDate,
  LotMethod,
  Mode,
  ModelId,
  Registration,
  RestrictionKind,
  RestrictionScope,
  Ticker,
} from '../../domain/config/fields';
import { CreateModelInput, ModelTarget, ModelVersionInput } from '../../domain/config/model';
import {
  AdvisorInput,
  FirmSettings,
  FirmSettingsPatch,
  HouseholdInput,
  HouseholdPatch,
} from '../../domain/config/people';
import { EndRestrictionInput, RestrictionInput } from '../../domain/config/restriction';
import { SecurityInput, SecurityPatch } from '../../domain/config/security';
import { Instant, queryInt } from '../schemas';

// ---- requests -------------------------------------------------------------------------------

export const ModelParams = z.object({ modelId: ModelId }).strict();
export const HouseholdParams = z.object({ householdId: HouseholdId }).strict();
export const SecurityParams = z.object({ symbol: Ticker }).strict();
export const RestrictionParams = z
  .object({
    restrictionId: z
      .string()
      .regex(/^[1-9]\d{0,9}$/, 'is not a restriction id (a whole number)')
      .transform(Number)
      .openapi({ type: 'string', example: '12' }),
  })
  .strict();

export const ListAccountsQuery = z
  .object({
    status: AccountStatus.optional(),
    advisorId: AdvisorId.optional().openapi({ description: 'Advisor tokens: must be their own id' }),
    modelId: ModelId.optional(),
    householdId: HouseholdId.optional(),
    limit: queryInt(1, 500, 100),
    offset: queryInt(0, 100_000, 0),
  })
  .strict();

export const PageQuery = z.object({ limit: queryInt(1, 200, 50), offset: queryInt(0, 100_000, 0) }).strict();

export const RestrictionQuery = z
  .object({
    scope: RestrictionScope.optional(),
    accountId: AccountId.optional(),
    advisorId: AdvisorId.optional(),
    activeOn: IsoDate.optional().openapi({ description: 'Only restrictions in force on this date' }),
  })
  .strict();

export const CreateModelBody = CreateModelInput.openapi('CreateModelRequest');
export const PublishVersionBody = ModelVersionInput.openapi('PublishModelVersionRequest');
export const CreateAccountBody = CreateAccountInput.openapi('CreateAccountRequest');
export const AccountSettingsBody = AccountSettingsPatch.openapi('AccountSettingsChange', {
  description:
    'Only the fields given change. `overrides` is a merge patch: a field set to null is cleared (the model setting applies again).',
});
export const CloseAccountBody = CloseAccountInput.openapi('CloseAccountRequest');
export const PreviewBody = PreviewInput.openapi('PreviewRequest', {
  description: 'What to run the engine with instead of the account’s own settings; all optional.',
});
export const RestrictionBody = RestrictionInput.openapi('RestrictionRequest');
export const EndRestrictionBody = EndRestrictionInput.openapi('EndRestrictionRequest');
export const HouseholdBody = HouseholdInput.openapi('CreateHouseholdRequest');
export const HouseholdPatchBody = HouseholdPatch.openapi('HouseholdChange');
export const SecurityBody = SecurityInput.openapi('CreateSecurityRequest');
export const SecurityPatchBody = SecurityPatch.openapi('SecurityChange');
export const AdvisorBody = AdvisorInput.openapi('CreateAdvisorRequest');
export const FirmSettingsBody = FirmSettingsPatch.openapi('FirmSettingsChange');

// ---- responses ------------------------------------------------------------------------------

export const Effect = z
  .object({
    appliesFrom: IsoDate.openapi({ description: 'The first trade date the change is used on' }),
    detail: z
      .string()
      .openapi({ example: "today's scan (2026-11-24) already ran: the change applies from 2026-11-25" }),
    scannedToday: z.array(z.string()),
    scannedTodayCount: z.number().int().nonnegative(),
  })
  .openapi('ChangeEffect');

const Settings = EngineSettings.openapi('EngineSettings');

export const ModelVersion = z
  .object({
    modelId: ModelId,
    version: z.number().int().positive(),
    targets: z.array(ModelTarget.openapi('ModelTarget')),
    settings: Settings,
    note: z.string().nullable(),
    publishedAt: Instant,
    publishedBy: z.string(),
    via: z.string(),
  })
  .openapi('ModelVersion');

export const Model = z
  .object({
    id: ModelId,
    name: z.string(),
    currentVersion: z.number().int().positive(),
    createdAt: Instant,
    accounts: z.number().int().nonnegative(),
    current: ModelVersion,
  })
  .openapi('Model');

export const ModelList = z.object({ models: z.array(Model) }).openapi('ModelList');
export const ModelVersionList = z
  .object({ modelId: ModelId, versions: z.array(ModelVersion) })
  .openapi('ModelVersionList');
export const ModelCreated = z.object({ model: Model }).openapi('ModelCreated');
export const ModelPublished = z
  .object({
    model: Model,
    changed: z
      .boolean()
      .openapi({ description: 'false: these were the current targets and settings already' }),
    effect: Effect,
  })
  .openapi('ModelPublished');

export const Restriction = z
  .object({
    id: z.number().int().positive(),
    scope: RestrictionScope,
    accountId: AccountId.nullable(),
    advisorId: AdvisorId.nullable(),
    symbol: Ticker,
    kind: RestrictionKind,
    reason: z.string(),
    startsOn: IsoDate.nullable(),
    endsOn: IsoDate.nullable(),
    createdAt: Instant,
    createdBy: z.string(),
  })
  .openapi('Restriction');
export const RestrictionList = z.object({ restrictions: z.array(Restriction) }).openapi('RestrictionList');
export const RestrictionChange = z
  .object({ restriction: Restriction, changed: z.boolean(), effect: Effect })
  .openapi('RestrictionChange');

export const AccountSettings = z
  .object({
    id: AccountId,
    custodianAccountNumber: z.string(),
    name: z.string(),
    advisorId: AdvisorId.nullable(),
    householdId: HouseholdId,
    registration: Registration,
    status: AccountStatus,
    mode: Mode.nullable(),
    model: z.object({ id: ModelId, name: z.string(), version: z.number().int() }).nullable(),
    lotMethod: LotMethod,
    overrides: z
      .record(z.unknown())
      .openapi({ description: 'The account’s own settings (engine settings and esgExcluded)' }),
    effectiveSettings: z
      .record(z.unknown())
      .openapi({ description: 'Engine defaults ← model version ← account overrides' }),
    restrictions: z.array(Restriction),
    lastTradedModelVersion: z.number().int().nullable(),
    openedAt: Instant,
    closedAt: Instant.nullable(),
    closeReason: z.string().nullable(),
    onboardedOn: IsoDate.nullable(),
  })
  .openapi('AccountSettings');

export const AccountSummary = AccountSettings.pick({
  id: true,
  custodianAccountNumber: true,
  name: true,
  advisorId: true,
  householdId: true,
  registration: true,
  status: true,
  mode: true,
})
  .extend({ modelId: ModelId.nullable() })
  .openapi('AccountSummary');
export const AccountList = z
  .object({
    items: z.array(AccountSummary),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .openapi('AccountList');
export const AccountChange = z
  .object({ account: AccountSettings, changed: z.array(z.string()), effect: Effect })
  .openapi('AccountChange');

export const SettingsHistory = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        at: Instant,
        actor: z.string(),
        via: z.string().nullable().openapi({ description: 'api | cli | import | custodian | seed' }),
        action: z.string().openapi({ example: 'ACCOUNT_SETTINGS_CHANGED' }),
        before: z.unknown(),
        after: z.unknown(),
        appliesFrom: IsoDate.nullable(),
      }),
    ),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .openapi('SettingsHistory');

export const Household = z
  .object({
    id: HouseholdId,
    name: z.string(),
    members: z.array(
      z.object({
        id: AccountId,
        name: z.string(),
        advisorId: AdvisorId.nullable(),
        registration: z.string(),
        status: z.string(),
      }),
    ),
  })
  .openapi('Household');
export const HouseholdList = z.object({ households: z.array(Household) }).openapi('HouseholdList');
export const HouseholdChange = z
  .object({ household: Household, changed: z.boolean(), effect: Effect })
  .openapi('HouseholdChangeResult');

export const Security = z
  .object({
    symbol: Ticker,
    cusip: z.string(),
    description: z.string(),
    type: z.enum(['ETF', 'EQUITY', 'MUTUAL_FUND']),
    assetClass: z.string(),
    fractionable: z.boolean(),
    tlhAlternates: z.array(z.string()),
    identicalGroup: z.string().nullable(),
  })
  .openapi('Security');
export const SecurityList = z.object({ securities: z.array(Security) }).openapi('SecurityList');
export const SecurityChange = z
  .object({ security: Security, changed: z.boolean() })
  .openapi('SecurityChangeResult');

export const Advisor = z
  .object({ id: AdvisorId, name: z.string(), email: z.string(), repCode: z.string().nullable() })
  .openapi('Advisor');
export const AdvisorList = z.object({ advisors: z.array(Advisor) }).openapi('AdvisorList');
export const AdvisorChange = z
  .object({ advisor: Advisor, changed: z.boolean() })
  .openapi('AdvisorChangeResult');

export const FirmSettingsOut = FirmSettings.openapi('FirmSettings');

export const PendingSetup = z
  .object({
    id: AccountId,
    custodianAccountNumber: z.string(),
    name: z.string(),
    advisorId: AdvisorId.nullable(),
    householdId: HouseholdId,
    onboardedOn: IsoDate.nullable(),
    positions: z.number().int(),
    lots: z.number().int(),
    cash: z.string(),
    missing: z
      .array(z.enum(['advisorId', 'modelId', 'mode']))
      .openapi({ description: 'What ops must still set' }),
  })
  .openapi('PendingSetupAccount');
export const PendingSetupList = z.object({ accounts: z.array(PendingSetup) }).openapi('PendingSetupList');

const PlanReason = z.object({ code: z.string(), message: z.string(), details: z.record(z.unknown()) });
export const PreviewOut = z
  .object({
    accountId: AccountId,
    tradeDate: IsoDate,
    model: z.object({ id: ModelId, version: z.number().int() }),
    lotMethod: z.string(),
    settings: z.record(z.unknown()),
    plan: z.object({
      accountId: z.string(),
      asOf: IsoDate,
      action: z.enum(['NONE', 'TRADE']),
      mode: z.enum(['TO_BAND', 'FULL']),
      reasons: z.array(PlanReason),
      drift: z.object({
        totalValue: z.string(),
        cash: z.object({ target: z.string(), actual: z.string() }),
        rows: z.array(
          z.object({
            symbol: z.string(),
            target: z.string(),
            actual: z.string(),
            absDev: z.string(),
            relDev: z.string(),
            band: z.string(),
            breached: z.boolean(),
            members: z.array(z.string()),
          }),
        ),
      }),
      legs: z.array(
        z.object({
          legNo: z.number().int(),
          symbol: z.string(),
          side: z.enum(['BUY', 'SELL']),
          qty: z.string(),
          estPrice: z.string(),
          estNotional: z.string(),
          reasons: z.array(PlanReason),
          lots: z.array(
            z.object({
              lotId: z.string(),
              qty: z.string(),
              unitCost: z.string(),
              openDate: z.string(),
              term: z.enum(['ST', 'LT']),
              estGain: z.string(),
            }),
          ),
        }),
      ),
      tax: z.object({ realizedST: z.string(), realizedLT: z.string(), estTax: z.string().optional() }),
      compliance: z.object({
        ok: z.boolean(),
        failures: z.array(
          z.object({ legNo: z.number().int().nullable(), rule: z.string(), message: z.string() }),
        ),
      }),
      after: z.object({
        cash: z.string(),
        totalValue: z.string(),
        weights: z.record(z.string()),
        sleeveWeights: z.record(z.string()),
      }),
    }),
  })
  .openapi('Preview');
