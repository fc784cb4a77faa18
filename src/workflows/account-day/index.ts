export { AccountDay, LOCAL_DB_PATCH } from './workflow';
