/**
 * The contracts between workflows and activities: the types that cross the boundary (activity
 * inputs and results the workflows read). Workflows and activities both import from here, never
 * from each other's modules (workflows take only the `Activities` type from src/activities).
 */
export * from './accounts';
export * from './audit';
export * from './blocks';
export * from './booking';
export * from './confirms';
export * from './ingestion';
export * from './orders';
export * from './proposals';
export * from './reconciliation';
