export { DailyTradingDay } from './trading-day';
export { AccountDay } from './account-day';
export { ScheduledTradingDay } from './scheduled';
export { AccountBatch } from './account-batch';
export { BlockOrder } from './block-order';
