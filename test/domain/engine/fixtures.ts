/**
 * Shared fixtures: the docs/domain.md §10 60/40 model on VTI / VXUS / BND with their TLH alternates.
 */
import type { AccountSnapshot, SecurityInfo, SnapshotHolding } from '../../../src/domain/engine';

export function sec(
  symbol: string,
  assetClass: string,
  tlhAlternates: string[],
  fractionable = true,
): SecurityInfo {
  return { symbol, fractionable, assetClass, tlhAlternates };
}

export const SECURITIES: Record<string, SecurityInfo> = {
  VTI: sec('VTI', 'US_TOTAL', ['ITOT', 'SCHB']),
  ITOT: sec('ITOT', 'US_TOTAL', ['VTI', 'SCHB']),
  SCHB: sec('SCHB', 'US_TOTAL', ['VTI', 'ITOT']),
  VXUS: sec('VXUS', 'INTL_TOTAL', ['IXUS']),
  IXUS: sec('IXUS', 'INTL_TOTAL', ['VXUS']),
  BND: sec('BND', 'US_AGG', ['SCHZ']),
  SCHZ: sec('SCHZ', 'US_AGG', ['BND']),
  VNQ: sec('VNQ', 'REIT', ['SCHH']),
  SCHH: sec('SCHH', 'REIT', ['VNQ']),
};

export const PRICES: Record<string, string> = {
  VTI: '100',
  ITOT: '50',
  SCHB: '25',
  VXUS: '50',
  IXUS: '40',
  BND: '100',
  SCHZ: '20',
  VNQ: '80',
  SCHH: '20',
};

export function holding(
  symbol: string,
  qty: string,
  lots?: { lotId: string; openDate: string; qty: string; unitCost: string }[],
): SnapshotHolding {
  return {
    symbol,
    qty,
    price: PRICES[symbol]!,
    lots: lots ?? [{ lotId: `${symbol}-1`, openDate: '2020-01-02', qty, unitCost: PRICES[symbol]! }],
  };
}

/** A taxable account on the 60/40 model (VTI 36 / VXUS 24 / BND 40), trade date 2026-03-16. */
export function snapshot(over: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return {
    accountId: 'A1',
    householdId: 'H1',
    asOf: '2026-03-16',
    taxStatus: 'TAXABLE',
    lotMethod: 'FIFO',
    model: {
      id: 'M6040',
      version: 1,
      targets: [
        { symbol: 'VTI', weight: '0.36' },
        { symbol: 'VXUS', weight: '0.24' },
        { symbol: 'BND', weight: '0.40' },
      ],
    },
    lastTradedModelVersion: 1,
    cash: '2000',
    pendingWithdrawal: '0',
    holdings: [],
    securities: SECURITIES,
    prices: PRICES,
    restrictions: [],
    blockedSymbols: [],
    household: { recentTrades: [], proposedBuys: [] },
    ...over,
  };
}

/** All sleeves exactly at target on a $100,000 account (cash 2,000 = the 2 % target). */
export function atTarget(over: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return snapshot({
    holdings: [holding('VTI', '352.8'), holding('VXUS', '470.4'), holding('BND', '392')],
    ...over,
  });
}
