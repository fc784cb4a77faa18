/** The configuration API's routes (issue #13), in the order the OpenAPI document lists them. */
import type { ApiRoute } from '../routes';
import { ACCOUNT_ROUTES } from './accounts';
import { MODEL_ROUTES } from './models';
import { NOTIFY_PREF_ROUTES } from './notify-prefs';
import { FIRM_ROUTES, HOUSEHOLD_ROUTES, RESTRICTION_ROUTES, SECURITY_ROUTES } from './reference';

export const CONFIG_ROUTES: ApiRoute[] = [
  ...MODEL_ROUTES,
  ...ACCOUNT_ROUTES,
  ...HOUSEHOLD_ROUTES,
  ...RESTRICTION_ROUTES,
  ...SECURITY_ROUTES,
  ...FIRM_ROUTES,
  ...NOTIFY_PREF_ROUTES,
];
