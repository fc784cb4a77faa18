/**
 * The security master as the book keeps it: symbol, CUSIP, type, asset class, whether it trades in
 * fractions, its TLH alternates (in priority order, each tracking a different index) and its
 * substantially-identical group (securities of one group are one security for the wash-sale rule).
 */
import { z } from 'zod';
import { AssetClass, Cusip, SecurityType, Ticker, text } from './fields';

export const IdenticalGroup = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,39}$/, 'is not a group name (upper-case letters, digits and _)');

export const SecurityInput = z
  .object({
    symbol: Ticker,
    cusip: Cusip,
    description: text(200, 'a description'),
    type: SecurityType,
    assetClass: AssetClass,
    fractionable: z.boolean(),
    tlhAlternates: z.array(Ticker).max(10).optional(),
    identicalGroup: IdenticalGroup.nullable().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    (s.tlhAlternates ?? []).forEach((a, i) => {
      if (a === s.symbol) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['tlhAlternates', i],
          message: 'is the security itself',
        });
      } else if ((s.tlhAlternates ?? []).indexOf(a) !== i) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['tlhAlternates', i],
          message: `${a} is listed twice`,
        });
      }
    });
  });
export type SecurityInput = z.infer<typeof SecurityInput>;

/** A change of a security: every field but the symbol, only those given change. */
export const SecurityPatch = z
  .object({
    cusip: Cusip.optional(),
    description: text(200, 'a description').optional(),
    type: SecurityType.optional(),
    assetClass: AssetClass.optional(),
    fractionable: z.boolean().optional(),
    tlhAlternates: z.array(Ticker).max(10).optional(),
    identicalGroup: IdenticalGroup.nullable().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'give at least one field to change');
export type SecurityPatch = z.infer<typeof SecurityPatch>;
