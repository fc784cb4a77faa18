/**
 * Prices of one account's snapshot, parsed on first use: `prices[symbol]`, else the holding's own
 * closing price. Shared parsing (`fxShared`) because the same price strings repeat across accounts.
 */
import type { Fx } from './fx';
import { fxShared } from './parse';
import type { AccountSnapshot } from './types';

/** Prices parsed on first use (a snapshot may carry many more prices than the account needs). */
export class PriceBook {
  private readonly parsed = new Map<string, Fx | null>();
  private holdingPrices: Map<string, string> | null = null;

  constructor(private readonly snap: Pick<AccountSnapshot, 'prices' | 'holdings'>) {}

  get(symbol: string): Fx | undefined {
    let p = this.parsed.get(symbol);
    if (p === undefined) {
      let s: string | undefined = Object.hasOwn(this.snap.prices, symbol)
        ? this.snap.prices[symbol]
        : undefined;
      if (s === undefined) {
        if (this.holdingPrices === null)
          this.holdingPrices = new Map(this.snap.holdings.map((h) => [h.symbol, h.price]));
        s = this.holdingPrices.get(symbol);
      }
      p = s === undefined ? null : fxShared(s);
      this.parsed.set(symbol, p);
    }
    return p ?? undefined;
  }
}
