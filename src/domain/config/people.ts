/** Advisors, households (the wash-sale scope: every account in it, IRAs included) and firm settings. */
import { z } from 'zod';
import { AccountId, AdvisorId, Email, HouseholdId, text } from './fields';

export const AdvisorInput = z
  .object({
    id: AdvisorId,
    name: text(200, 'a name'),
    email: Email,
    repCode: z
      .string()
      .regex(/^[A-Z0-9]{1,10}$/, 'is not a rep code (1-10 upper-case letters and digits)')
      .nullable()
      .optional(),
  })
  .strict();
export type AdvisorInput = z.infer<typeof AdvisorInput>;

export const HouseholdInput = z
  .object({
    id: HouseholdId,
    name: text(200, 'a name'),
    members: z.array(AccountId).max(100).optional(),
  })
  .strict();
export type HouseholdInput = z.infer<typeof HouseholdInput>;

/** Moves accounts into the household (out of the one they were in) and/or renames it. */
export const HouseholdPatch = z
  .object({
    name: text(200, 'a name').optional(),
    addMembers: z.array(AccountId).min(1).max(100).optional(),
  })
  .strict()
  .refine((p) => p.name !== undefined || p.addMembers !== undefined, 'give a name or members to add');
export type HouseholdPatch = z.infer<typeof HouseholdPatch>;

/** Firm-wide switches; each off unless set. */
export const FirmSettings = z
  .object({
    /** Advisors may change the mode and the overrides of their own accounts. */
    advisorsMayChangeAccountSettings: z.boolean(),
  })
  .strict();
export type FirmSettings = z.infer<typeof FirmSettings>;
export const FIRM_DEFAULTS: FirmSettings = { advisorsMayChangeAccountSettings: false };
export const FirmSettingsPatch = FirmSettings.partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'give at least one setting');
