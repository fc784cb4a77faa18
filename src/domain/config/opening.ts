/**
 * What a firm brings into the book when it starts: each account's open tax lots (the positions
 * are their sums), its cash, and its cash movements still to come (a pending withdrawal) or just
 * posted. Loaded once: an account that holds positions already is not overwritten.
 */
import { z } from 'zod';
import { AccountId, IsoDate, Money, Quantity, SignedMoney, Ticker, UnitCost, ident, text } from './fields';

export const OpeningLot = z
  .object({
    accountId: AccountId,
    symbol: Ticker,
    lotId: ident('a lot id', 60),
    openDate: IsoDate,
    qty: Quantity,
    unitCost: UnitCost,
  })
  .strict();
export type OpeningLot = z.infer<typeof OpeningLot>;

export const OpeningCash = z.object({ accountId: AccountId, amount: Money }).strict();
export type OpeningCash = z.infer<typeof OpeningCash>;

const INTO = new Set(['DEPOSIT', 'DIVIDEND', 'INTEREST']);

export const CashFlowInput = z
  .object({
    id: ident('a cash flow id', 60),
    accountId: AccountId,
    type: z.enum(['DEPOSIT', 'WITHDRAWAL', 'DIVIDEND', 'FEE', 'INTEREST']),
    amount: SignedMoney,
    effectiveDate: IsoDate,
    status: z.enum(['PENDING', 'POSTED', 'RETURNED']),
    custodianRef: text(60, 'a custodian reference').optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const negative = f.amount.startsWith('-');
    if (INTO.has(f.type) === negative && !/^-?0+(\.0+)?$/.test(f.amount)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['amount'],
        message: `a ${f.type} is money ${INTO.has(f.type) ? 'in (+)' : 'out (-)'}: the sign is wrong`,
      });
    }
  });
export type CashFlowInput = z.infer<typeof CashFlowInput>;
