/** Deterministic workflow ids: starting twice is harmless and ops can type them. */
export function tradingDayWorkflowId(tradeDate: string): string {
  return `trading-day/${tradeDate}`;
}

export function accountDayWorkflowId(tradeDate: string, accountId: string): string {
  return `account-day/${tradeDate}/${accountId}`;
}

export function accountBatchWorkflowId(tradeDate: string, batchNo: number): string {
  return `account-batch/${tradeDate}/${batchNo}`;
}

export function blockOrderWorkflowId(tradeDate: string, symbol: string, side: 'BUY' | 'SELL'): string {
  return `block-order/${tradeDate}/${symbol}/${side}`;
}
