/** The merchant portal's door (商户自助后台): the pages under `/merchant` and the operator's staff call. */
export { portalRoutes } from './portal.routes.js';
export { staffRoutes } from './staff.routes.js';
